// The basis of Aim's blur guard (SHARPNESS_LIMIT in src/nodes/fidelity.ts): the sharpness ratio
// (Laplacian variance of the edited face over the source's) of DGE edits swept over α, on FaceWorld
// photo renders of two seed ranges — calibration (identity seeds 960 000+, where the limit is
// chosen) and validation (970 000+, where it is checked) — never the reported faces. Beside it,
// the domain classifier's P(cgi), Aim's other guard, which calls blurred faces "photo".
// The limit rule: the largest multiple of 0.05 under the smallest calibration ratio at |α| ≤ 1
// (the strength the pairs ask for: no false alarm there), printed as `suggested_limit`.
//   npm run bench:aim-guard [-- --json] [-- --faces 12] [-- --pack faceworld]
import { fileURLToPath } from 'node:url';
import type { ComputeContext, DeltaValue, ImageValue, LatentValue, Tensor } from '../../src/graph/types';
import { ganInversionNode } from '../../src/nodes/gan-inversion';
import { syntheticPairNode } from '../../src/nodes/synthetic-pair';
import { encodeDeltaNode } from '../../src/nodes/encode-delta';
import { applyDeltas } from '../../src/nodes/add';
import { scaleTensor } from '../../src/nodes/common';
import { estimate } from '../../src/nodes/aim';
import { SHARPNESS_LIMIT, sharpnessRatio } from '../../src/nodes/fidelity';
import { imageFraming, neutralAttributes, renderFramed, sampleIdentity } from '../../src/synth';
import { rgbaToPackImage } from '../../src/image';
import { createNodePackRuntime, decodeImageNode, fetchBytesNode } from '../../src/workers/node/context';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback;
const json = args.includes('--json');
const packId = option('pack', 'faceworld');
const FACES = Number(option('faces', '12'));
const SETS = { calibration: 960_000, validation: 970_000 } as const;
const ALPHAS = [-1, 1, 2, 3, 4, 5, 6];
const EDITS: [string, number, number][] = [
  ['yaw', 0, 25],
  ['smile', 0, 1],
  ['mouthOpen', 0, 0.5],
  ['lightAzimuth', 0, 45],
];
const packs = createNodePackRuntime(fileURLToPath(new URL('../../models', import.meta.url)));
const ctx: ComputeContext = {
  packs,
  assets: { get: () => undefined },
  decodeImage: decodeImageNode,
  fetchBytes: fetchBytesNode,
  signal: new AbortController().signal,
  progress: () => undefined,
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))]!;
};

async function main(): Promise<void> {
  const manifest = await packs.manifest(packId);
  const gen = manifest.models.generator;
  const G = async (w: Tensor) =>
    (await packs.run(packId, 'generator', { [gen.inputs[0].name]: w }))[gen.outputs[0].name]!;
  const deltas: DeltaValue[] = [];
  for (const [attribute, from, to] of EDITS) {
    const { pairs } = await syntheticPairNode.compute(
      {},
      { pack: packId, attribute, from, to, count: 3, identitySeed: 7 },
      ctx,
    );
    deltas.push((await encodeDeltaNode.compute({ pairs }, { pack: packId, method: 'dge' }, ctx)).delta as DeltaValue);
  }
  const size = manifest.image.size;
  const rows: { set: string; edit: string; alpha: number; ratio: number; cgi: number }[] = [];
  for (const [set, base] of Object.entries(SETS)) {
    for (let f = 0; f < FACES; f++) {
      const seed = base + f;
      const rgba = renderFramed(
        sampleIdentity(seed),
        neutralAttributes(),
        { size, style: 'photo', seed },
        imageFraming(manifest.image),
      );
      const image: ImageValue = rgbaToPackImage(rgba, manifest);
      const w = (
        (await ganInversionNode.compute({ image }, { pack: packId, refineSteps: 0, refineRate: 0.05 }, ctx))
          .latent as LatentValue
      ).tensor;
      const source = await G(w);
      for (let e = 0; e < EDITS.length; e++) {
        for (const alpha of ALPHAS) {
          const d = deltas[e]!;
          const edited = await G(
            await applyDeltas(ctx, packId, manifest, w, [{ ...d, tensor: scaleTensor(d.tensor, alpha) }], 'sum'),
          );
          const { cgi } = await estimate(ctx, packId, manifest, edited);
          rows.push({ set, edit: EDITS[e]![0], alpha, ratio: sharpnessRatio(edited, source), cgi });
        }
      }
    }
  }
  const table = [];
  for (const set of Object.keys(SETS)) {
    for (const alpha of ALPHAS) {
      const r = rows.filter((x) => x.set === set && x.alpha === alpha);
      table.push({
        set,
        alpha,
        ratio_min: quantile(
          r.map((x) => x.ratio),
          0,
        ),
        ratio_median: quantile(
          r.map((x) => x.ratio),
          0.5,
        ),
        below_limit: r.filter((x) => x.ratio < SHARPNESS_LIMIT).length / r.length,
        cgi_over_half: r.filter((x) => x.cgi > 0.5).length / r.length,
      });
    }
  }
  const byEdit = EDITS.map(([edit]) => ({
    edit,
    ...Object.fromEntries(
      ALPHAS.map((alpha) => [
        `alpha_${alpha}`,
        quantile(
          rows.filter((x) => x.set === 'calibration' && x.edit === edit && x.alpha === alpha).map((x) => x.ratio),
          0.5,
        ),
      ]),
    ),
  }));
  const calSmall = rows.filter((x) => x.set === 'calibration' && Math.abs(x.alpha) <= 1).map((x) => x.ratio);
  const suggested = Math.floor(Math.min(...calSmall) / 0.05) * 0.05;
  const summary = {
    pack: packId,
    faces_per_set: FACES,
    edits: EDITS.map(([a, f, t]) => `${a} ${f}→${t}`),
    limit_in_code: SHARPNESS_LIMIT,
    suggested_limit: Number(suggested.toFixed(2)),
    calibration_min_ratio_at_alpha_le_1: Math.min(...calSmall),
    table,
    calibration_median_by_edit: byEdit,
  };
  if (json) {
    console.log(JSON.stringify(summary));
    return;
  }
  console.log(`pack ${packId}, ${FACES} faces per set, DGE edits ${summary.edits.join(', ')}`);
  console.log('set          α    ratio min  ratio median  share < limit  share P(cgi) > 0.5');
  for (const t of table)
    console.log(
      `${t.set.padEnd(12)} ${String(t.alpha).padStart(3)}  ${t.ratio_min.toFixed(3).padStart(9)}  ${t.ratio_median.toFixed(3).padStart(12)}  ${(100 * t.below_limit).toFixed(0).padStart(12)} %  ${(100 * t.cgi_over_half).toFixed(0).padStart(17)} %`,
    );
  console.log(`calibration median ratio by edit (α ${ALPHAS.join(', ')}):`);
  for (const b of byEdit)
    console.log(
      `  ${b.edit.padEnd(13)} ${ALPHAS.map((a) => (b as Record<string, number | string>)[`alpha_${a}`] as number)
        .map((v) => v.toFixed(2))
        .join('  ')}`,
    );
  console.log(
    `limit in code ${SHARPNESS_LIMIT}; suggested by the calibration rule ${summary.suggested_limit} (smallest calibration ratio at |α| ≤ 1: ${summary.calibration_min_ratio_at_alpha_le_1.toFixed(3)})`,
  );
}

await main();
