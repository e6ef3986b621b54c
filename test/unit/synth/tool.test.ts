// The faceworld command line end to end (small sizes): NPY files numpy can read, shapes, split,
// parameters that reproduce each image, and clear errors for bad options.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ATTRIBUTES, IDENTITY_PARAMS, render } from '../../../src/synth/index';
import { framedFeatures, renderFramed } from '../../../src/synth/framing';

const dir = mkdtempSync(join(tmpdir(), 'faceworld-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function faceworld(args: string[]): string {
  return execFileSync(process.execPath, ['--import', 'tsx', 'tools/faceworld.ts', ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Minimal .npy reader: header dict and the data bytes. */
function readNpy(file: string): { descr: string; shape: number[]; data: Buffer } {
  const buf = readFileSync(file);
  expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  const len = buf.readUInt16LE(8);
  const header = buf.subarray(10, 10 + len).toString('latin1');
  const descr = /'descr': '([^']+)'/.exec(header)![1];
  const shape = /'shape': \(([^)]*)\)/
    .exec(header)![1]
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  return { descr, shape, data: buf.subarray(10 + len) };
}

describe('faceworld CLI', () => {
  it('dataset writes images, attributes, identity, params and meta that agree with each other', () => {
    const out = join(dir, 'ds');
    faceworld([
      'dataset',
      '--style',
      'photo',
      '--count',
      '6',
      '--size',
      '32',
      '--seed',
      '5',
      '--workers',
      '2',
      '--test-fraction',
      '0.5',
      '--out',
      out,
    ]);
    const images = readNpy(join(out, 'images.npy'));
    expect(images.descr).toBe('|u1');
    expect(images.shape).toEqual([6, 32, 32, 3]);
    expect(images.data.length).toBe(6 * 32 * 32 * 3);
    const attrs = readNpy(join(out, 'attributes.npy'));
    expect(attrs.descr).toBe('<f4');
    expect(attrs.shape).toEqual([6, ATTRIBUTES.length]);
    expect(readNpy(join(out, 'identity.npy')).shape).toEqual([6, IDENTITY_PARAMS.length]);
    const meta = JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8'));
    expect(meta.attributes.map((a: { name: string }) => a.name)).toEqual(ATTRIBUTES.map((a) => a.name));
    expect(meta.split.train + meta.split.test).toBe(6);
    const lines = readFileSync(join(out, 'params.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(6);
    // image 3, rendered again from its recorded parameters, is byte-identical to the stored one
    const p = lines[3];
    const img = render(p.identity, p.attributes, { size: 32, style: 'photo', seed: p.renderSeed });
    const stored = images.data.subarray(3 * 32 * 32 * 3, 4 * 32 * 32 * 3);
    let same = true;
    for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3)
      if (img.data[i] !== stored[j] || img.data[i + 1] !== stored[j + 1] || img.data[i + 2] !== stored[j + 2])
        same = false;
    expect(same).toBe(true);
    // the attribute row matches the recorded attributes
    const row = new Float32Array(
      attrs.data.buffer.slice(
        attrs.data.byteOffset + 3 * ATTRIBUTES.length * 4,
        attrs.data.byteOffset + 4 * ATTRIBUTES.length * 4,
      ),
    );
    expect(Array.from(row)).toEqual(ATTRIBUTES.map((a) => Math.fround(p.attributes[a.name])));
  });

  it('sequences sweep one attribute and keep the rest fixed', () => {
    const out = join(dir, 'seq');
    faceworld([
      'sequences',
      '--style',
      'cgi',
      '--attribute',
      'mouthOpen',
      '--from',
      '0',
      '--to',
      '1',
      '--steps',
      '3',
      '--count',
      '2',
      '--size',
      '32',
      '--seed',
      '1',
      '--workers',
      '1',
      '--out',
      out,
    ]);
    expect(readNpy(join(out, 'images.npy')).shape).toEqual([2, 3, 32, 32, 3]);
    const attrs = readNpy(join(out, 'attributes.npy'));
    expect(attrs.shape).toEqual([2, 3, ATTRIBUTES.length]);
    const a = new Float32Array(
      attrs.data.buffer.slice(attrs.data.byteOffset, attrs.data.byteOffset + attrs.data.length),
    );
    const A = ATTRIBUTES.length,
      k = ATTRIBUTES.findIndex((x) => x.name === 'mouthOpen');
    expect([a[k], a[A + k], a[2 * A + k]]).toEqual([0, 0.5, 1]);
    for (let j = 0; j < A; j++) if (j !== k) expect(a[2 * A + j]).toBe(a[j]);
  });

  it('--framing face: the images and their masks are cut around the face, and meta.json says so', () => {
    const out = join(dir, 'face');
    faceworld([
      'dataset',
      '--style',
      'photo',
      '--count',
      '3',
      '--size',
      '32',
      '--seed',
      '7',
      '--workers',
      '1',
      '--test-fraction',
      '0',
      '--framing',
      'face',
      '--out',
      out,
    ]);
    faceworld(['masks', '--data', out]);
    expect(JSON.parse(readFileSync(join(out, 'meta.json'), 'utf8')).framing).toBe('face');
    const images = readNpy(join(out, 'images.npy'));
    const masks = readNpy(join(out, 'masks.npy'));
    expect(masks.shape).toEqual([3, 32, 32]);
    const p = JSON.parse(readFileSync(join(out, 'params.jsonl'), 'utf8').trim().split('\n')[2]);
    const img = renderFramed(p.identity, p.attributes, { size: 32, style: 'photo', seed: p.renderSeed }, 'face');
    const stored = images.data.subarray(2 * 32 * 32 * 3, 3 * 32 * 32 * 3);
    let differ = 0;
    for (let i = 0, j = 0; i < img.data.length; i += 4, j += 3)
      if (img.data[i] !== stored[j] || img.data[i + 1] !== stored[j + 1] || img.data[i + 2] !== stored[j + 2]) differ++;
    expect(differ).toBe(0);
    const features = framedFeatures(p.identity, p.attributes, 32, 'face');
    const mask = masks.data.subarray(2 * 32 * 32, 3 * 32 * 32);
    expect(Math.max(...Array.from(features, (f, i) => Math.abs(Math.round(f * 255) - mask[i])))).toBeLessThanOrEqual(1);
    // the whole-head framing of the same face is another picture
    const frame = render(p.identity, p.attributes, { size: 32, style: 'photo', seed: p.renderSeed });
    expect(Buffer.from(frame.data).equals(Buffer.from(img.data))).toBe(false);
  });

  it('refuses bad options with a message naming the option', () => {
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'tools/faceworld.ts', 'dataset', '--count', '3', '--size', '8', '--out', join(dir, 'bad')],
      { encoding: 'utf8' },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--size: 8 is below the minimum 32');
    const s = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/faceworld.ts',
        'sequences',
        '--attribute',
        'grin',
        '--count',
        '1',
        '--out',
        join(dir, 'bad'),
      ],
      { encoding: 'utf8' },
    );
    expect(s.status).toBe(1);
    expect(s.stderr).toContain('unknown attribute "grin"');
    const f = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'tools/faceworld.ts',
        'dataset',
        '--count',
        '1',
        '--framing',
        'tight',
        '--out',
        join(dir, 'bad'),
      ],
      { encoding: 'utf8' },
    );
    expect(f.status).toBe(1);
    expect(f.stderr).toContain('--framing: expected frame or face, got "tight"');
  });
});
