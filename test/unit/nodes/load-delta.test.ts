// Delta files: save → load round trip through the schema, refusals that name the problem, and
// Load Delta on the fixture pack (a .delta.json and InterFaceGAN-style .npy boundaries).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { deltaDataUrl, parseDeltaFile, readDataUrl, serializeDelta } from '../../../src/graph/delta-file';
import type { DeltaValue, PackManifest } from '../../../src/graph/types';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { loadDeltaNode } from '../../../src/nodes/load-delta';
import { encodeNpy, npyHeader } from '../../../src/synth/npy';
import { makeCtx, packs, pairsFrom } from './helpers';

const dir = mkdtempSync(path.join(tmpdir(), 'delta-'));
const file = (name: string, bytes: Uint8Array | string) => {
  const p = path.join(dir, name);
  writeFileSync(p, bytes);
  return p;
};
const load = (source: string, notes: string[] = []) =>
  loadDeltaNode.compute({}, { pack: 'fixture', source }, makeCtx({}, [], notes));

async function fixtureDelta(method: 'dge' | 'linear'): Promise<{ delta: DeltaValue; manifest: PackManifest }> {
  const delta = (await encodeDeltaNode.compute({ pairs: pairsFrom(2) }, { pack: 'fixture', method }, makeCtx()))
    .delta as DeltaValue;
  return { delta, manifest: await packs.manifest('fixture') };
}

describe('delta files', () => {
  it('round-trip a DGE delta with its provenance (pack, method, attribute, from → to, K)', async () => {
    const { delta, manifest } = await fixtureDelta('dge');
    const text = serializeDelta(delta, manifest);
    const json = JSON.parse(text);
    expect(json).toMatchObject({
      format: 'delta-studio/delta',
      version: 1,
      pack: { id: 'fixture', sha256: manifest.models.delta_decoder!.sha256 },
      method: 'dge',
      attribute: 'smile',
      from: 0,
      to: 1,
      k: 2,
    });
    const back = parseDeltaFile(text);
    if (!back.ok) throw new Error(back.errors.join());
    expect(back.delta.tensor.dims).toEqual(delta.tensor.dims);
    for (let i = 0; i < delta.tensor.data.length; i++)
      expect(back.delta.tensor.data[i]).toBeCloseTo(delta.tensor.data[i], 5);
    const notes: string[] = [];
    const loaded = (await load(file('smile.delta.json', text), notes)).delta as DeltaValue;
    expect(loaded.method).toBe('dge');
    expect(notes).toEqual(['dge delta: smile 0→1, K=2']);
  });

  it('refuses broken files with the path of the problem', async () => {
    const { delta, manifest } = await fixtureDelta('linear');
    const good = JSON.parse(serializeDelta(delta, manifest));
    const cases: [unknown, RegExp][] = [
      [{ ...good, format: 'delta-studio/graph' }, /format: expected "delta-studio\/delta"/],
      [{ ...good, version: 9 }, /version 9; this editor reads up to 1/],
      [{ ...good, values: good.values.slice(1) }, /values: expected 64 values for dims \[1,4,16\], got 63/],
      [{ ...good, method: 'magic' }, /method/],
      [{ ...good, pack: { id: 'fixture', sha256: 'nope' } }, /pack\.sha256/],
    ];
    for (const [obj, re] of cases) {
      const r = parseDeltaFile(JSON.stringify(obj));
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.errors.join('\n')).toMatch(re);
    }
    expect(parseDeltaFile('{').ok).toBe(false);
    await expect(
      load(file('other.delta.json', JSON.stringify({ ...good, pack: { ...good.pack, id: 'faceworld' } }))),
    ).rejects.toThrow('belongs to pack "faceworld"');
    const notes: string[] = [];
    await load(
      file('old.delta.json', JSON.stringify({ ...good, pack: { ...good.pack, sha256: 'a'.repeat(64) } })),
      notes,
    );
    expect(notes[0]).toMatch(/saved with another version of pack "fixture"/);
    await expect(load('')).rejects.toThrow('Load Delta: no file');
  });

  it('imports InterFaceGAN-style .npy boundaries: a W direction (float64, [1,16]) for every layer, or W+ [4,16]', async () => {
    const w = Float64Array.from({ length: 16 }, (_, i) => i / 10);
    // numpy's default float64: the same header with '<f8' (same length), then 8-byte values
    const head = npyHeader('<f4', [1, 16]);
    const at = new TextDecoder('latin1').decode(head).indexOf("'<f4'");
    head[at + 3] = '8'.charCodeAt(0);
    const bytes = new Uint8Array([...head, ...new Uint8Array(w.buffer)]);
    const notes: string[] = [];
    const d = (await load(file('boundary.npy', bytes), notes)).delta as DeltaValue;
    expect(d.method).toBe('linear');
    expect(d.tensor.dims).toEqual([1, 4, 16]);
    expect(d.tensor.data[16 * 3 + 5]).toBeCloseTo(0.5, 6);
    expect(notes[0]).toBe('boundary.npy: W direction (16), applied to all 4 layers');
    const plus = (await load(file('wplus.npy', encodeNpy(new Float32Array(64).fill(2), [4, 16])))).delta as DeltaValue;
    expect(plus.tensor.data[63]).toBe(2);
    await expect(load(file('bad.npy', encodeNpy(new Float32Array(10), [10])))).rejects.toThrow(
      'needs a W direction of 16 values or a W+ one of 4×16',
    );
  });

  it('reads a library delta embedded in the graph as a data: URL (no fetch), with its name', async () => {
    const { delta, manifest } = await fixtureDelta('linear');
    const text = serializeDelta(delta, manifest);
    const url = deltaDataUrl(text, 'smile → wide; “quoted”');
    expect(url).toMatch(/^data:application\/json;name=[^;,]+;base64,/);
    const back = readDataUrl(url);
    expect(back.name).toBe('smile → wide; “quoted”');
    expect(new TextDecoder().decode(back.bytes)).toBe(text);
    const notes: string[] = [];
    const ctx = makeCtx({}, [], notes);
    ctx.fetchBytes = () => Promise.reject(new Error('a data: URL must not be fetched'));
    const loaded = (await loadDeltaNode.compute({}, { pack: 'fixture', source: url }, ctx)).delta as DeltaValue;
    expect(loaded.tensor.dims).toEqual([1, 4, 16]);
    for (let i = 0; i < 64; i++) expect(loaded.tensor.data[i]).toBeCloseTo(delta.tensor.data[i], 5);
    expect(notes).toEqual(['linear delta: smile 0→1, K=2']);
    await expect(load('data:application/json;base64,%%%')).rejects.toThrow(
      'Load Delta: embedded delta: the data: URL is not valid base64',
    );
    await expect(load(deltaDataUrl('{"format":"x"}', 'broken'))).rejects.toThrow(
      /Load Delta: broken: format: expected "delta-studio\/delta"/,
    );
  });
});
