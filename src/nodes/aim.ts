// Aim: strength in the attribute's own units. Given a latent and one or more deltas, finds the α of
// each delta so that the pack's attribute estimator reads the asked values on G(edited latent)
// ("yaw +25", "smile 0.8"), with a handful of G + estimator runs (src/nodes/aim-solve.ts), and
// says plainly when a target is out of reach — also when fidelity collapses first: the domain
// classifier calls the edit cgi, or the face blurs (sharpness ratio, src/nodes/fidelity.ts).
// Packs without an estimator apply a plain α.
import type { ComputeContext, DeltaValue, NodeDefinition, PackManifest, ParamRangeCases, Tensor } from '../graph/types';
import { ATTRIBUTES } from '../synth';
import { applyDeltas } from './add';
import { solveAim, type AimEvaluation } from './aim-solve';
import {
  COMBINE_OPTIONS,
  checkLatent,
  checkPackTag,
  input,
  multiInput,
  nodePack,
  numberParam,
  packParam,
  scaleTensor,
  stringParam,
} from './common';
import { MEASURED, attributeNames, modelInput } from './measure';
import { SHARPNESS_LIMIT, sharpnessRatio } from './fidelity';

export interface AimTarget {
  attribute: string;
  /** 'by': change the measured value by `value`; 'to': set it to `value` */
  mode: 'by' | 'to';
  value: number;
}

const RANGE = new Map(ATTRIBUTES.map((a) => [a.name as string, a.max - a.min]));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** "smile 0.8, yaw +25, mouthOpen -0.2": a signed number changes by it, an unsigned one sets the value. */
export function parseTargets(text: string, node = 'Aim'): AimTarget[] {
  const out: AimTarget[] = [];
  for (const raw of text.split(/[,;\n]/)) {
    const item = raw.trim();
    if (!item) continue;
    const m = /^([A-Za-z]+)\s*(=|:)?\s*([+-]?)(\d+(?:\.\d*)?|\.\d+)\s*°?$/.exec(item);
    if (!m)
      throw new Error(
        `${node}: cannot read the target "${item}": write an attribute and a value, e.g. "smile 0.8" or "yaw +25"`,
      );
    const attribute = m[1];
    if (!RANGE.has(attribute))
      throw new Error(`${node}: "${attribute}" is not an attribute (${[...RANGE.keys()].join(', ')})`);
    const v = Number(m[4]);
    out.push({ attribute, mode: m[3] ? 'by' : 'to', value: m[3] === '-' ? -v : v });
  }
  return out;
}

/** Measures the estimator's attributes (all of them, by name) and the cgi probability of an image. */
export async function estimate(
  ctx: ComputeContext,
  id: string,
  manifest: PackManifest,
  image: Tensor,
): Promise<{ values: Map<string, number>; cgi: number }> {
  const attrs = manifest.models.attributes!;
  const names = attributeNames(manifest);
  const outName = attrs.outputs.find((o) => o.name === 'attributes')?.name ?? attrs.outputs[0].name;
  const got = await ctx.packs.run(
    id,
    'attributes',
    { [attrs.inputs[0].name]: modelInput(image, attrs, manifest) },
    ctx.signal,
  );
  const row = got[outName];
  const values = new Map(names.map((n, i) => [n, row.data[i]]));
  const domain = manifest.models.domain;
  let cgi = Number.NaN;
  if (domain) {
    const d = await ctx.packs.run(
      id,
      'domain',
      { [domain.inputs[0].name]: modelInput(image, domain, manifest) },
      ctx.signal,
    );
    cgi = sigmoid(d[domain.outputs[0].name].data[0]);
  }
  return { values, cgi };
}

/**
 * The target slider follows the attribute: ± its range (a change by or a value to set), half-degree
 * steps for angles and hundredths for 0–1 expressions; the default is a clear but reachable change
 * (5/12 of the way from neutral to the end: yaw +25°, pitch +13°, light +38°; 0.5 for expressions).
 */
const targetCases: ParamRangeCases = {
  param: 'attribute',
  cases: Object.fromEntries(
    MEASURED.map(({ attribute }) => {
      const a = ATTRIBUTES.find((x) => x.name === attribute)!;
      const span = a.max - a.min;
      const wide = span > 10;
      return [
        attribute,
        {
          min: -span,
          max: span,
          step: wide ? 0.5 : 0.01,
          default: wide ? Math.round(((a.max - a.neutral) * 5) / 12) : 0.5,
        },
      ];
    }),
  ),
};

const fmt = (attribute: string, v: number, signed = false) => {
  const s = Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
  return `${signed && v >= 0 ? '+' : ''}${s}${/yaw|pitch|roll|Azimuth|Elevation/.test(attribute) ? '°' : ''}`;
};

export const aimNode: NodeDefinition = {
  type: 'aim',
  title: 'Aim',
  category: 'edit',
  doc:
    'Sets an edit\'s strength in the attribute\'s own units ("yaw +25°", "smile 0.8"): solves α with the pack\'s attribute estimator ' +
    'and applies the deltas to the latent. Several deltas: one target each (the first from the controls, the others from "More targets").',
  inputs: [
    { name: 'latent', label: 'Latent', type: 'latent' },
    { name: 'deltas', label: 'Deltas', type: 'delta', multi: true },
  ],
  outputs: [
    { name: 'latent', label: 'Latent', type: 'latent' },
    { name: 'alpha', label: 'α', type: 'number' },
    { name: 'reached', label: 'Reached', type: 'number' }, // the first target's reading, in its terms (change or value)
  ],
  params: [
    packParam(),
    {
      kind: 'enum',
      name: 'attribute',
      label: 'Attribute',
      default: 'yaw',
      options: MEASURED.map((m) => ({ value: m.attribute, label: m.label })),
      doc: "What the first delta should change, as the pack's attribute estimator reads it.",
    },
    {
      kind: 'enum',
      name: 'mode',
      label: 'Aim',
      default: 'by',
      options: [
        { value: 'by', label: 'change by' },
        { value: 'to', label: 'set to' },
      ],
      doc: 'change by: the measured value moves by the target; set to: the measured value becomes the target.',
    },
    {
      kind: 'number',
      name: 'target',
      label: 'Target',
      default: 25,
      min: -180,
      max: 180,
      step: 0.05,
      follows: targetCases,
      doc: "In the attribute's units: degrees for pose and light, 0–1 for expressions. The slider spans ± the attribute's range (enough for either mode).",
    },
    {
      kind: 'string',
      name: 'more',
      label: 'More targets',
      default: '',
      doc: 'Targets of the 2nd, 3rd… delta, in order: "smile 0.8, mouthOpen +0.3" (signed = change by, unsigned = set to). "lightAzimuth +0" with a light delta holds the light in closed loop.',
    },
    {
      kind: 'enum',
      name: 'combine',
      label: 'Combine',
      default: 'sum',
      options: COMBINE_OPTIONS,
      doc: 'How several DGE deltas are combined (as in Add).',
    },
    {
      kind: 'number',
      name: 'maxAlpha',
      label: 'Largest |α|',
      default: 6,
      min: 0.1,
      max: 10,
      step: 0.1,
      doc: 'The solve searches α within ±this.',
    },
    {
      kind: 'number',
      name: 'alpha',
      label: 'α without estimator',
      default: 1,
      min: -3,
      max: 3,
      step: 0.05,
      doc: 'A pack without an attribute estimator cannot measure the edit, so Aim cannot solve: it applies this α to every delta instead.',
    },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Aim');
    const latent = input(inputs, 'latent', 'latent', 'Aim');
    checkPackTag(latent, id, 'Aim', 'latent');
    checkLatent(latent, manifest, 'Aim');
    const deltas = multiInput(inputs, 'deltas', 'delta', 'Aim');
    if (deltas.length === 0) throw new Error('Aim: input "deltas" is not connected');
    deltas.forEach((d, i) => checkPackTag(d, id, 'Aim', `delta (#${i + 1}, ${d.label})`));
    const combine = stringParam(params, 'combine', 'Aim') as 'sum' | 'sequence';
    if (combine !== 'sum' && combine !== 'sequence')
      throw new Error(`Aim: param "combine" must be "sum" or "sequence", got "${combine}"`);
    const scaled = (alphas: number[]): DeltaValue[] =>
      deltas.map((d, i) => ({ ...d, tensor: scaleTensor(d.tensor, alphas[i]) }));
    const edit = (alphas: number[]) => applyDeltas(ctx, id, manifest, latent.tensor, scaled(alphas), combine);
    const out = (w: Tensor, alphas: number[], reached: number) => ({
      latent: { kind: 'latent' as const, pack: id, tensor: w },
      alpha: { kind: 'number' as const, value: alphas[0] },
      reached: { kind: 'number' as const, value: reached },
    });

    if (!manifest.models.attributes) {
      const alpha = numberParam(params, 'alpha', 'Aim', -3, 3);
      const alphas = deltas.map(() => alpha);
      ctx.note?.(
        `Pack "${id}" has no attribute estimator, so Aim cannot measure the edit: plain α = ${alpha} on every delta`,
      );
      return out(await edit(alphas), alphas, Number.NaN);
    }

    const first: AimTarget = {
      attribute: stringParam(params, 'attribute', 'Aim'),
      mode: stringParam(params, 'mode', 'Aim') === 'to' ? 'to' : 'by',
      value: numberParam(params, 'target', 'Aim', -180, 180),
    };
    const targets = [first, ...parseTargets(stringParam(params, 'more', 'Aim'))];
    if (targets.length !== deltas.length) {
      throw new Error(
        `Aim: ${deltas.length} deltas are connected but ${targets.length} targets are given; give one per delta ("More targets" holds the 2nd, 3rd…)`,
      );
    }
    const names = attributeNames(manifest);
    for (const t of targets)
      if (!names.includes(t.attribute)) throw new Error(`Aim: pack "${id}"'s estimator does not read "${t.attribute}"`);
    const maxAlpha = numberParam(params, 'maxAlpha', 'Aim', 0.1, 10);

    const generator = manifest.models.generator;
    const render = async (w: Tensor) =>
      (await ctx.packs.run(id, 'generator', { [generator.inputs[0].name]: w }, ctx.signal))[generator.outputs[0].name];
    const sourceImage = await render(latent.tensor);
    const measureImage = async (image: Tensor): Promise<AimEvaluation> => {
      const m = await estimate(ctx, id, manifest, image);
      const sharpness = sharpnessRatio(image, sourceImage);
      return { values: targets.map((t) => m.values.get(t.attribute)!), cgi: m.cgi, sharpness };
    };
    const measureLatent = async (w: Tensor) => measureImage(await render(w));
    const source = await measureImage(sourceImage);
    const goal = targets.map((t, i) => (t.mode === 'by' ? source.values[i] + t.value : t.value));
    const maxEvals = deltas.length === 1 ? 8 : 4 + 5 * deltas.length;
    let done = 0;
    const result = await solveAim(
      async (alphas) => {
        const e = await measureLatent(await edit(alphas));
        ctx.progress(Math.min(0.95, ++done / maxEvals));
        return e;
      },
      source,
      goal,
      {
        tol: targets.map((t) => 0.01 * (RANGE.get(t.attribute) ?? 1)),
        maxAlpha,
        maxEvals,
        sharpnessLimit: SHARPNESS_LIMIT,
      },
    );
    const parts = targets.map(
      (t, i) =>
        `${t.attribute} ${fmt(t.attribute, result.values[i] - (t.mode === 'by' ? source.values[i] : 0), t.mode === 'by')} of ${fmt(t.attribute, t.value, t.mode === 'by')} (α ${result.alphas[i].toFixed(2)})`,
    );
    ctx.note?.(
      (result.reached ? `Reached ${parts.join(', ')}` : `Out of reach: ${result.why}; closest: ${parts.join(', ')}`) +
        ` — ${result.evals} evaluations`,
    );
    ctx.progress(1);
    return out(
      await edit(result.alphas),
      result.alphas,
      result.values[0] - (first.mode === 'by' ? source.values[0] : 0),
    );
  },
};
