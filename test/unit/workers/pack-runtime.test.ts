import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parsePackManifest } from '../../../src/workers/pack/manifest';
import { OnnxPackRuntime, type OrtModule } from '../../../src/workers/pack/runtime';
import { createNodePackRuntime } from '../../../src/workers/node/context';
import { sha256Hex } from '../../../src/graph/hash';

const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
const readModels = (p: string) => readFile(path.join(modelsDir, p)).then((b) => new Uint8Array(b));

async function fixtureManifestJson(): Promise<Record<string, any>> {
  return JSON.parse(new TextDecoder().decode(await readModels('fixture/manifest.json')));
}

describe('pack manifest schema', () => {
  it('accepts the fixture manifest', async () => {
    const m = parsePackManifest(await fixtureManifestJson());
    expect(m.id).toBe('fixture');
    expect(m.latent).toEqual({ layers: 4, dim: 16 });
  });

  it('names the path and problem of each error', async () => {
    const json = await fixtureManifestJson();
    json.latent.layers = 'four';
    json.models.generator.sha256 = 'abc';
    delete json.models.encoder;
    let message = '';
    try {
      parsePackManifest(json, 'fixture/manifest.json');
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('fixture/manifest.json');
    expect(message).toContain('latent.layers');
    expect(message).toContain('models.generator.sha256: must be 64 lowercase hex digits');
    expect(message).toContain('models.encoder');
  });

  it('keeps the image framing a pack declares, and names a framing it does not know', async () => {
    const json = await fixtureManifestJson();
    expect(parsePackManifest(json).image.framing).toBeUndefined(); // the whole-frame default
    json.image.framing = 'face';
    expect(parsePackManifest(json).image.framing).toBe('face');
    json.image.framing = 'tight';
    expect(() => parsePackManifest(json)).toThrow(/image\.framing: /);
  });

  it('refuses a model file path that escapes the pack folder', async () => {
    const json = await fixtureManifestJson();
    json.models.generator.file = '../../etc/passwd';
    expect(() => parsePackManifest(json)).toThrow(/models\.generator\.file: must be a relative path inside the pack/);
  });
});

describe('OnnxPackRuntime', () => {
  it('runs the fixture generator with a dynamic batch and reuses its session', async () => {
    const packs = createNodePackRuntime(modelsDir);
    const w = { data: new Float32Array(2 * 4 * 16).map((_, i) => Math.sin(i)), dims: [2, 4, 16] };
    const out = await packs.run('fixture', 'generator', { w });
    expect(out.image.dims).toEqual([2, 3, 32, 32]);
    const values = Array.from(out.image.data);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...values)).toBeLessThanOrEqual(1);
    // two different latents give two different images
    const a = out.image.data.slice(0, 3 * 32 * 32);
    const b = out.image.data.slice(3 * 32 * 32);
    expect(a.some((v, i) => Math.abs(v - b[i]) > 1e-3)).toBe(true);
    await packs.run('fixture', 'generator', { w: { data: w.data.slice(0, 64), dims: [1, 4, 16] } });
    expect(packs.sessionsCreated).toBe(1);
    await packs.dispose();
  });

  it('refuses a wrong-shape feed before running, naming model, input and shapes', async () => {
    const packs = createNodePackRuntime(modelsDir);
    await expect(
      packs.run('fixture', 'generator', { w: { data: new Float32Array(8 * 64), dims: [1, 8, 64] } }),
    ).rejects.toThrow('generator expects w of shape [batch,4,16], got [1,8,64]');
    await expect(
      packs.run('fixture', 'generator', { latent: { data: new Float32Array(64), dims: [1, 4, 16] } }),
    ).rejects.toThrow('generator expects an input named "w"');
    await expect(
      packs.run('fixture', 'delta_decoder', {
        w: { data: new Float32Array(2 * 64), dims: [2, 4, 16] },
        delta: { data: new Float32Array(8), dims: [1, 8] },
      }),
    ).rejects.toThrow('delta_decoder: delta has batch=1 but w has batch=2');
    // nothing was loaded for refused feeds
    expect(packs.sessionsCreated).toBe(0);
  });

  it('refuses a model file whose sha256 does not match the manifest', async () => {
    const packs = new OnnxPackRuntime(
      async (p) => {
        const bytes = await readModels(p);
        if (p.endsWith('generator.onnx')) bytes[bytes.length - 1] ^= 0xff;
        return bytes;
      },
      ort as unknown as OrtModule,
    );
    await expect(
      packs.run('fixture', 'generator', { w: { data: new Float32Array(64), dims: [1, 4, 16] } }),
    ).rejects.toThrow(/generator\.onnx fails its sha256 check/);
    expect(packs.sessionsCreated).toBe(0);
  });

  it('reports a missing pack clearly and lists installed packs tolerantly', async () => {
    const packs = createNodePackRuntime(modelsDir);
    await expect(packs.manifest('no-such-pack')).rejects.toThrow('model pack "no-such-pack" is not installed');
    await expect(packs.run('fixture', 'attributes', {})).rejects.toThrow(
      'model pack "fixture" has no attributes model',
    );
    const listed = new OnnxPackRuntime(
      async (p) => {
        if (p === 'index.json') return new TextEncoder().encode(JSON.stringify({ packs: ['fixture', 'ghost'] }));
        return readModels(p);
      },
      ort as unknown as OrtModule,
    );
    const result = await listed.listPacks();
    expect(result.packs.map((m) => m.id)).toEqual(['fixture']);
    expect(result.missing).toHaveLength(1);
    expect(result.missing[0].id).toBe('ghost');
    expect(result.missing[0].error).toContain('not installed');
  });

  it('manifest sha256 fields match the committed ONNX files', async () => {
    const m = parsePackManifest(await fixtureManifestJson());
    for (const entry of Object.values(m.models)) {
      if (!entry) continue;
      expect(await sha256Hex(await readModels(`fixture/${entry.file}`))).toBe(entry.sha256);
    }
  });
});
