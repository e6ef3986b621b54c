import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import type { ComputeContext, ImageValue, PairsValue } from '../../../src/graph/types';
import { loadFaceNode } from '../../../src/nodes/load-face';
import { syntheticPairNode } from '../../../src/nodes/synthetic-pair';
import { ATTRIBUTES, neutralAttributes, renderFramed, sampleIdentity } from '../../../src/synth';
import { rgbaToTensor } from '../../../src/image';
import { makeCtx, maxAbsDiff, std } from './helpers';

/** The fixture pack as a face-framed pack would declare itself (manifest image.framing). */
function faceFramedCtx(): ComputeContext {
  const ctx = makeCtx();
  const packs = ctx.packs;
  return {
    ...ctx,
    packs: {
      manifest: async (id) => {
        const m = await packs.manifest(id);
        return { ...m, image: { ...m.image, framing: 'face' } };
      },
      run: (...args) => packs.run(...args),
    },
  };
}

describe('a pack framed on the face (manifest image.framing: face)', () => {
  it('gets its synthetic pairs and sample faces cut around the face, as its encoder was trained', async () => {
    const params = { pack: 'fixture', attribute: 'smile', from: 0, to: 1, identitySeed: 3, count: 1 };
    const framed = ((await syntheticPairNode.compute({}, params, faceFramedCtx())).pairs as PairsValue).pairs[0];
    const plain = ((await syntheticPairNode.compute({}, params, makeCtx())).pairs as PairsValue).pairs[0];
    const attrs = { ...neutralAttributes(), smile: 0 };
    const range = (await makeCtx().packs.manifest('fixture')).image.range;
    const expected = rgbaToTensor(
      renderFramed(sampleIdentity(3), attrs, { size: 32, style: 'cgi', seed: 3 }, 'face'),
      range,
    );
    expect(maxAbsDiff(framed.from.tensor, expected)).toBe(0);
    expect(maxAbsDiff(framed.from.tensor, plain.from.tensor)).toBeGreaterThan(0.1);
    const face = (
      await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:1' }, faceFramedCtx())
    ).image as ImageValue;
    const whole = (await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:1' }, makeCtx()))
      .image as ImageValue;
    expect(face.tensor.dims).toEqual(whole.tensor.dims);
    expect(maxAbsDiff(face.tensor, whole.tensor)).toBeGreaterThan(0.1);
  });
});

/** A 48x40 picture: left half red, right half blue. */
function redBlueRgba(): Uint8Array {
  const w = 48,
    h = 40;
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 4;
      data[o] = x < w / 2 ? 255 : 0;
      data[o + 2] = x < w / 2 ? 0 : 255;
      data[o + 3] = 255;
    }
  return data;
}

describe('Load Face', () => {
  it('renders a bundled sample at the encoder input size, deterministically', async () => {
    const a = (await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:1' }, makeCtx()))
      .image as ImageValue;
    const a2 = (await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:1' }, makeCtx()))
      .image as ImageValue;
    const b = (await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:2' }, makeCtx()))
      .image as ImageValue;
    expect(a.tensor.dims).toEqual([1, 3, 32, 32]);
    expect(std(a.tensor)).toBeGreaterThan(0.05);
    expect(maxAbsDiff(a.tensor, a2.tensor)).toBe(0);
    expect(maxAbsDiff(a.tensor, b.tensor)).toBeGreaterThan(0.1);
  });

  it('decodes an uploaded PNG asset and a JPEG URL, center-cropped and resized to [-1,1]', async () => {
    const png = encodePng({ width: 48, height: 40, data: redBlueRgba(), channels: 4 });
    const fromAsset = (
      await loadFaceNode.compute(
        {},
        { pack: 'fixture', crop: 'center', source: 'asset:face1' },
        makeCtx({ face1: png }),
      )
    ).image as ImageValue;
    const t = fromAsset.tensor;
    expect(t.dims).toEqual([1, 3, 32, 32]);
    // top-left is red (R=1, B=-1), top-right is blue
    expect(t.data[0]).toBeCloseTo(1, 2);
    expect(t.data[2 * 32 * 32]).toBeCloseTo(-1, 2);
    expect(t.data[31]).toBeCloseTo(-1, 2);
    expect(t.data[2 * 32 * 32 + 31]).toBeCloseTo(1, 2);

    const dir = await mkdtemp(path.join(tmpdir(), 'dge-face-'));
    const jpgPath = path.join(dir, 'face.jpg');
    await writeFile(jpgPath, jpeg.encode({ width: 48, height: 40, data: Buffer.from(redBlueRgba()) }, 95).data);
    const fromUrl = (
      await loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: `url:${jpgPath}` }, makeCtx())
    ).image as ImageValue;
    expect(fromUrl.tensor.dims).toEqual([1, 3, 32, 32]);
    expect(fromUrl.tensor.data[0]).toBeGreaterThan(0.8);
  });

  it('names the problem for a missing asset, a bad sample, an undecodable file and an unknown scheme', async () => {
    await expect(
      loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'asset:nope' }, makeCtx()),
    ).rejects.toThrow('the graph has no image asset "nope"');
    await expect(
      loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'sample:zebra' }, makeCtx()),
    ).rejects.toThrow('unknown sample "zebra"');
    await expect(
      loadFaceNode.compute(
        {},
        { pack: 'fixture', crop: 'center', source: 'asset:junk' },
        makeCtx({ junk: new Uint8Array([1, 2, 3]) }),
      ),
    ).rejects.toThrow('Load Face: cannot decode asset "junk": unsupported image format');
    await expect(
      loadFaceNode.compute({}, { pack: 'fixture', crop: 'center', source: 'ftp:x' }, makeCtx()),
    ).rejects.toThrow('must start with sample:, asset: or url:');
    await expect(
      loadFaceNode.compute({}, { pack: 'ghost', crop: 'center', source: 'sample:1' }, makeCtx()),
    ).rejects.toThrow('model pack "ghost" is not installed');
  });
});

// Debian's python-matplotlib-data sample portrait, as in the alignment tests
const PORTRAIT = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

describe('Load Face: align face', () => {
  it('refuses "face" where the runtime has no aligner', async () => {
    const png = encodePng({ width: 48, height: 40, data: redBlueRgba(), channels: 4 });
    const { alignFace: _none, ...ctx } = makeCtx({ p: png });
    await expect(loadFaceNode.compute({}, { pack: 'fixture', source: 'asset:p', crop: 'face' }, ctx)).rejects.toThrow(
      'face alignment is not available in this runtime',
    );
  });

  it.skipIf(!existsSync(PORTRAIT))(
    'detects and aligns the face of a real photo, and says so when there is none',
    async () => {
      const photo = new Uint8Array(await readFile(PORTRAIT));
      const ctx = makeCtx({ photo, flat: encodePng({ width: 48, height: 40, data: redBlueRgba(), channels: 4 }) });
      const aligned = (await loadFaceNode.compute({}, { pack: 'fixture', source: 'asset:photo', crop: 'face' }, ctx))
        .image as ImageValue;
      const centered = (await loadFaceNode.compute({}, { pack: 'fixture', source: 'asset:photo', crop: 'center' }, ctx))
        .image as ImageValue;
      expect(aligned.tensor.dims).toEqual([1, 3, 32, 32]);
      expect(maxAbsDiff(aligned.tensor, centered.tensor)).toBeGreaterThan(0.2);
      await expect(
        loadFaceNode.compute({}, { pack: 'fixture', source: 'asset:flat', crop: 'face' }, ctx),
      ).rejects.toThrow(/Load Face: cannot align the face in asset "flat": no face found/);
    },
  );
});

describe('Synthetic Pair', () => {
  it('offers every renderer attribute and renders K CGI pairs that differ only where the attribute acts', async () => {
    const attr = syntheticPairNode.params.find((p) => p.name === 'attribute');
    expect(attr?.kind === 'enum' && attr.options.map((o) => o.value)).toEqual(ATTRIBUTES.map((a) => a.name));
    const progress: number[] = [];
    const params = { pack: 'fixture', attribute: 'smile', from: 0, to: 1, identitySeed: 3, count: 2 };
    const out = (await syntheticPairNode.compute({}, params, makeCtx({}, progress))).pairs as PairsValue;
    expect(out).toMatchObject({ kind: 'pairs', attribute: 'smile', fromValue: 0, toValue: 1 });
    expect(out.pairs).toHaveLength(2);
    for (const p of out.pairs) {
      expect(p.from.tensor.dims).toEqual([1, 3, 32, 32]);
      expect(maxAbsDiff(p.from.tensor, p.to.tensor)).toBeGreaterThan(0.05);
      expect((p.params.to as { attributes: Record<string, number> }).attributes.smile).toBe(1);
    }
    // two identities differ
    expect(maxAbsDiff(out.pairs[0].from.tensor, out.pairs[1].from.tensor)).toBeGreaterThan(0.05);
    expect(progress.at(-1)).toBe(1);
    expect(progress.length).toBeGreaterThanOrEqual(2);
  });

  it('refuses values outside the attribute range and an unknown attribute, naming the param', async () => {
    const base = { pack: 'fixture', attribute: 'smile', from: 0, to: 1, identitySeed: 1, count: 1 };
    await expect(syntheticPairNode.compute({}, { ...base, to: 30 }, makeCtx())).rejects.toThrow(
      'param "to" = 30 is outside [0, 1]',
    );
    await expect(syntheticPairNode.compute({}, { ...base, attribute: 'beard' }, makeCtx())).rejects.toThrow(
      'param "attribute" must be one of',
    );
    await expect(syntheticPairNode.compute({}, { ...base, count: 2.5 }, makeCtx())).rejects.toThrow(
      'param "count" must be a whole number',
    );
  });

  it('stops between renders when cancelled', async () => {
    const controller = new AbortController();
    const ctx = { ...makeCtx(), signal: controller.signal };
    const running = syntheticPairNode.compute(
      {},
      { pack: 'fixture', attribute: 'yaw', from: 0, to: 30, identitySeed: 1, count: 20 },
      ctx,
    );
    controller.abort();
    await expect(running).rejects.toThrow('cancelled');
  });
});
