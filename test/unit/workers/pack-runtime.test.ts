import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parsePackManifest } from '../../../src/workers/pack/manifest';
import { OnnxPackRuntime, sha256Hex, type OrtModule } from '../../../src/workers/pack/runtime';
import { createNodePackRuntime } from '../../../src/workers/node/context';

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
    await expect(packs.run('fixture', 'generator', { w: { data: new Float32Array(8 * 64), dims: [1, 8, 64] } })).rejects.toThrow(
      'generator expects w of shape [batch,4,16], got [1,8,64]',
    );
    await expect(packs.run('fixture', 'generator', { latent: { data: new Float32Array(64), dims: [1, 4, 16] } })).rejects.toThrow(
      'generator expects an input named "w"',
    );
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
    const packs = new OnnxPackRuntime(async (p) => {
      const bytes = await readModels(p);
      if (p.endsWith('generator.onnx')) bytes[bytes.length - 1] ^= 0xff;
      return bytes;
    }, ort as unknown as OrtModule);
    await expect(packs.run('fixture', 'generator', { w: { data: new Float32Array(64), dims: [1, 4, 16] } })).rejects.toThrow(
      /generator\.onnx fails its sha256 check/,
    );
    expect(packs.sessionsCreated).toBe(0);
  });

  it('reports a missing pack clearly and lists installed packs tolerantly', async () => {
    const packs = createNodePackRuntime(modelsDir);
    await expect(packs.manifest('no-such-pack')).rejects.toThrow('model pack "no-such-pack" is not installed');
    await expect(packs.run('fixture', 'attributes', {})).rejects.toThrow('model pack "fixture" has no attributes model');
    const listed = new OnnxPackRuntime(async (p) => {
      if (p === 'index.json') return new TextEncoder().encode(JSON.stringify({ packs: ['fixture', 'ghost'] }));
      return readModels(p);
    }, ort as unknown as OrtModule);
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
  it('warms a model up in the background after its first run, and a request during the warm-up gets its own result', async () => {
    const packs = createNodePackRuntime(modelsDir);
    packs.warmUp = { models: ['generator'], maxRuns: 6, maxMs: 60_000 };
    const w1 = { data: new Float32Array(4 * 16).map((_, i) => Math.sin(i)), dims: [1, 4, 16] };
    const w2 = { data: new Float32Array(4 * 16).map((_, i) => Math.cos(3 * i)), dims: [1, 4, 16] };
    const first = await packs.run('fixture', 'generator', { w: w1 });
    // the warm-up started with that run; a real request now is served between warm-up runs
    const during = await packs.run('fixture', 'generator', { w: w2 });
    await packs.warmedUp('fixture', 'generator');
    expect(packs.warmUpRuns.get('fixture/generator')).toBe(6);
    // the warm-up ran on its own zero inputs: the same latents still give the same images
    const again = await packs.run('fixture', 'generator', { w: w2 });
    expect(Array.from(again.image.data)).toEqual(Array.from(during.image.data));
    expect(Array.from(first.image.data)).not.toEqual(Array.from(during.image.data));
    // models not named are not warmed, and the warm-up does not start twice
    await packs.run('fixture', 'encoder', { image: { data: new Float32Array(3 * 32 * 32), dims: [1, 3, 32, 32] } });
    expect(packs.warmUpRuns.has('fixture/encoder')).toBe(false);
    expect(packs.warmUpRuns.get('fixture/generator')).toBe(6);
    await packs.dispose();
  });

  it('stops warming up at its time budget and when disposed', async () => {
    const packs = createNodePackRuntime(modelsDir);
    packs.warmUp = { models: ['generator'], maxRuns: 1000, maxMs: 0.001 };
    await packs.run('fixture', 'generator', { w: { data: new Float32Array(4 * 16), dims: [1, 4, 16] } });
    await packs.warmedUp('fixture', 'generator');
    expect(packs.warmUpRuns.get('fixture/generator')).toBe(1);
    const other = createNodePackRuntime(modelsDir);
    other.warmUp = { models: ['generator'], maxRuns: 1000, maxMs: 60_000 };
    await other.run('fixture', 'generator', { w: { data: new Float32Array(4 * 16), dims: [1, 4, 16] } });
    await other.dispose();
    await other.warmedUp('fixture', 'generator');
    expect(other.warmUpRuns.get('fixture/generator') ?? 0).toBeLessThan(1000);
    await packs.dispose();
  });

  it('waits for idleMs without real runs before warming up', async () => {
    const packs = createNodePackRuntime(modelsDir);
    packs.warmUp = { models: ['generator'], maxRuns: 3, maxMs: 60_000, idleMs: 400 };
    const w = { data: new Float32Array(4 * 16), dims: [1, 4, 16] };
    await packs.run('fixture', 'generator', { w });
    // real runs every 100 ms (a slider drag) keep it waiting
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await packs.run('fixture', 'generator', { w });
      expect(packs.warmUpRuns.get('fixture/generator') ?? 0).toBe(0);
    }
    await packs.warmedUp('fixture', 'generator');
    expect(packs.warmUpRuns.get('fixture/generator')).toBe(3);
    await packs.dispose();
  });
});
