// Photo Pair: two pictures of one face → Pairs with both latents, used as they are by Encode Delta;
// chained pairs; the named errors (missing inputs, another change, a pack without an encoder).
import { describe, expect, it } from 'vitest';
import type { ComputeContext, DeltaValue, LatentValue, PackManifest, PairsValue } from '../../../src/graph/types';
import { valueBytes } from '../../../src/graph/executor';
import { encodeDeltaNode } from '../../../src/nodes/encode-delta';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { mergeNotes, photoPairNode } from '../../../src/nodes/photo-pair';
import { imageFrom, makeCtx, maxAbsDiff } from './helpers';

const params = { pack: 'fixture', attribute: 'smile', from: 0, to: 1, refineSteps: 0, refineRate: 0.05 };

describe('Photo Pair on the fixture pack', () => {
  const ctx = makeCtx();
  const [before, after] = [imageFrom(1), imageFrom(2)];

  it('inverts both pictures as GAN Inversion does; Encode Delta uses those latents for the same delta', async () => {
    const progress: number[] = [];
    const out = await photoPairNode.compute({ before, after }, params, makeCtx({}, progress));
    const pairs = out.pairs as PairsValue;
    expect(pairs).toMatchObject({ kind: 'pairs', attribute: 'smile', fromValue: 0, toValue: 1 });
    expect(pairs.pairs).toHaveLength(1);
    const inv = async (image: typeof before) =>
      ((await ganInversionNode.compute({ image }, params, ctx)).latent as LatentValue).tensor;
    const pair = pairs.pairs[0];
    expect(pair.latents?.pack).toBe('fixture');
    expect(maxAbsDiff(pair.latents!.from, await inv(before))).toBe(0);
    expect(maxAbsDiff(pair.latents!.to, await inv(after))).toBe(0);
    expect(progress.at(-1)).toBeCloseTo(1, 6);
    // the cache's byte bound counts the latents the pair carries besides its pictures
    expect(valueBytes(pairs)).toBe(2 * 3 * 32 * 32 * 4 + 2 * 4 * 16 * 4);
    // the same delta as Encode Delta encoding the pictures itself (same encoder, no refinement)
    const plain: PairsValue = { ...pairs, pairs: [{ from: before, to: after, params: { from: {}, to: {} } }] };
    for (const method of ['dge', 'linear']) {
      const a = (await encodeDeltaNode.compute({ pairs }, { pack: 'fixture', method }, ctx)).delta as DeltaValue;
      const b = (await encodeDeltaNode.compute({ pairs: plain }, { pack: 'fixture', method }, ctx)).delta as DeltaValue;
      expect(maxAbsDiff(a.tensor, b.tensor)).toBeLessThan(1e-5);
      expect(a.source).toEqual({ attribute: 'smile', from: 0, to: 1, k: 1 });
    }
  });

  it("names GAN Inversion's own failure for the picture (refine steps on a pack without generator_grad)", async () => {
    const refined = photoPairNode.compute({ before, after }, { ...params, refineSteps: 10 }, ctx);
    // the fixture pack has no generator_grad: GAN Inversion's own error, named for the picture
    await expect(refined).rejects.toThrow(/^Photo Pair: cannot invert "before": /);
  });

  it('chains: "More pairs" of the same change come first, K grows', async () => {
    const first = (await photoPairNode.compute({ before, after }, params, ctx)).pairs as PairsValue;
    const both = (await photoPairNode.compute({ before: imageFrom(3), after: imageFrom(4), more: first }, params, ctx))
      .pairs as PairsValue;
    expect(both.pairs).toHaveLength(2);
    expect(both.pairs[0]).toBe(first.pairs[0]);
    const delta = (await encodeDeltaNode.compute({ pairs: both }, { pack: 'fixture', method: 'dge' }, ctx))
      .delta as DeltaValue;
    expect(delta.source?.k).toBe(2);
    await expect(
      photoPairNode.compute({ before, after, more: first }, { ...params, attribute: 'yaw' }, ctx),
    ).rejects.toThrow(
      'Photo Pair: "More pairs" show smile 0→1, this pair yaw 0→1; chained pairs must show the same change',
    );
  });

  it("says GAN Inversion's remarks once: a picture far outside the demo pack's domain", async () => {
    const notes: string[] = [];
    const noise = imageFrom(7, 64);
    const fw = { ...params, pack: 'faceworld' };
    await photoPairNode.compute({ before: noise, after: noise }, fw, makeCtx({}, [], notes));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(/^both: ⚠ This picture is far from what the model pack/);
  }, 60_000);

  it('merges remarks that differ only in their figures', () => {
    expect(mergeNotes('far: 13.9 dB of 26.3 dB', 'far: 14.1 dB of 26.3 dB')).toBe(
      'both: far: 13.9 / 14.1 dB of 26.3 dB',
    );
    expect(mergeNotes('far: 13.9 dB', 'refined: 3 %')).toBe('before: far: 13.9 dB · after: refined: 3 %');
    expect(mergeNotes('', 'refined: 3 %')).toBe('after: refined: 3 %');
    expect(mergeNotes('', '')).toBe('');
  });

  it('names missing inputs, an empty change and a pack without an encoder', async () => {
    await expect(photoPairNode.compute({ before }, params, ctx)).rejects.toThrow(
      'Photo Pair: input "after" is not connected',
    );
    await expect(photoPairNode.compute({ before, after }, { ...params, attribute: '  ' }, ctx)).rejects.toThrow(
      'Photo Pair: param "attribute" (the change) must not be empty',
    );
    const noEncoder: ComputeContext = {
      ...ctx,
      packs: {
        ...ctx.packs,
        manifest: async (id) => {
          const m = await ctx.packs.manifest(id);
          const { encoder: _none, ...models } = m.models;
          return { ...m, models } as unknown as PackManifest;
        },
        run: ctx.packs.run.bind(ctx.packs),
      },
    };
    await expect(photoPairNode.compute({ before, after }, params, noEncoder)).rejects.toThrow(
      'Photo Pair: model pack "fixture" has no encoder, so it cannot invert photos',
    );
  });
});
