import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { parseDeltaFile } from '../../../src/graph/delta-file';
import { ExitError, runGraph } from '../../../tools/run-graph';
import { readGraphFromPng } from '../../../src/graph/png-metadata';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const example = (name: string) => path.join(root, 'examples', name);

/** Spread of pixel values: a blank (constant) image has 0. */
function pixelStd(bytes: Uint8Array): number {
  const png = decode(bytes);
  const values = Array.from(png.data).filter((_, i) => i % png.channels !== 3);
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  return Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length);
}

/** The example moved onto the fixture pack (fast, and independent of the trained demo pack). */
async function onFixture(name: string, dir: string): Promise<string> {
  const doc = JSON.parse(await readFile(example(name), 'utf8'));
  for (const n of doc.nodes) if ('pack' in n.params) n.params.pack = 'fixture';
  doc.packs = [];
  const file = path.join(dir, name);
  await writeFile(file, JSON.stringify(doc));
  return file;
}

describe('headless run (npm run graph)', () => {
  it("runs the examples as shipped and writes non-blank PNGs at the pack's size", async () => {
    for (const name of ['random-face.dge.json', 'combine-smile-yaw.dge.json']) {
      const out = await mkdtemp(path.join(tmpdir(), 'dge-out-'));
      expect(await runGraph([example(name), '--out', out, '--quiet'])).toBe(0);
      const doc = JSON.parse(await readFile(example(name), 'utf8'));
      const pack = doc.nodes.find((n: { type: string }) => n.type === 'generate').params.pack;
      const size = JSON.parse(await readFile(path.join(root, 'models', pack, 'manifest.json'), 'utf8')).image.size;
      const gen = decode(
        await readFile(path.join(out, name === 'random-face.dge.json' ? 'random-face.png' : 'generate-image.png')),
      );
      expect([gen.width, gen.height]).toEqual([size, size]);
      for (const f of (await readdir(out)).filter((n) => n.endsWith('.png')))
        expect(pixelStd(await readFile(path.join(out, f)))).toBeGreaterThan(2);
    }
  });

  it('runs the smile example and writes non-blank PNGs, Save Image under its file name', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'dge-out-'));
    const lines: string[] = [];
    expect(await runGraph([await onFixture('edit-smile.dge.json', out), '--out', out], (l) => lines.push(l))).toBe(0);
    const files = (await readdir(out)).filter((f) => f.endsWith('.png')).sort();
    expect(files).toEqual([
      'compare-image.png',
      'edited-smile.png',
      'face-image.png',
      'generate-image.png',
      'pairs-pairs.png',
    ]);
    for (const f of files) expect(pixelStd(await readFile(path.join(out, f)))).toBeGreaterThan(2);
    const edited = decode(await readFile(path.join(out, 'edited-smile.png')));
    expect([edited.width, edited.height]).toEqual([32, 32]);
    // the graph rides along in the PNG
    expect(JSON.parse(readGraphFromPng(await readFile(path.join(out, 'edited-smile.png')))!).format).toBe(
      'delta-studio/graph',
    );
    expect(lines.some((l) => l.includes('compare.psnr'))).toBe(true);
    // every delta output is written as a delta file that loads back with its provenance
    expect((await readdir(out)).filter((f) => f.endsWith('.delta.json')).sort()).toEqual([
      'delta-delta.delta.json',
      'scale-delta.delta.json',
    ]);
    const saved = parseDeltaFile(await readFile(path.join(out, 'delta-delta.delta.json'), 'utf8'));
    expect(saved.ok && saved.file).toMatchObject({
      pack: { id: 'fixture' },
      method: 'dge',
      attribute: 'smile',
      from: 0,
      to: 1,
      k: 4,
    });
  });

  it('refuses an invalid graph and a missing pack with clear messages', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-bad-'));
    const bad = path.join(dir, 'bad.dge.json');
    await writeFile(bad, '{"format":"delta-studio/graph","version":1,"nodes":"no"}');
    await expect(runGraph([bad, '--out', dir])).rejects.toMatchObject({ code: 2 });
    const doc = JSON.parse(await readFile(example('random-face.dge.json'), 'utf8'));
    for (const n of doc.nodes) if ('pack' in n.params) n.params.pack = 'no-such-pack';
    const missing = path.join(dir, 'missing.dge.json');
    await writeFile(missing, JSON.stringify(doc));
    const err = await runGraph([missing, '--out', dir]).catch((e: ExitError) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).code).toBe(3);
    expect((err as ExitError).message).toContain('model pack "no-such-pack" (used by nodes random, generate)');
  });

  it('exits non-zero from the command line on a missing pack', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-cli-'));
    const doc = JSON.parse(await readFile(example('random-face.dge.json'), 'utf8'));
    doc.nodes[0].params.pack = 'no-such-pack';
    const file = path.join(dir, 'g.dge.json');
    await writeFile(file, JSON.stringify(doc));
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    const run = promisify(execFile)(tsx, [path.join(root, 'tools', 'run-graph.ts'), file, '--out', dir], { cwd: root });
    const failure = await run.then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failure?.code).toBe(3);
    expect(failure?.stderr).toContain('model pack "no-such-pack"');
  });
});
