// Measure: reads FaceWorld attributes (pose, expression, light) off any image with the pack's
// attribute estimator, and how much the image looks like a cgi render with its domain classifier.
import type { NodeDefinition, PackManifest, PackModelEntry, Tensor } from '../graph/types';
import { ATTRIBUTE_NAMES } from '../synth';
import { modelInputSize, resizeImageValue } from '../image';
import { input, nodePack, packParam } from './common';

/**
 * The attributes shown on the node (output name = FaceWorld attribute name), in renderer units:
 * angles in degrees, expressions 0 (none) … 1 (full). Frown, squint, light elevation and light
 * intensity are left out to keep the node readable.
 */
export const MEASURED: readonly { attribute: string; label: string }[] = [
  { attribute: 'yaw', label: 'Yaw (°)' },
  { attribute: 'pitch', label: 'Pitch (°)' },
  { attribute: 'roll', label: 'Roll (°)' },
  { attribute: 'smile', label: 'Smile' },
  { attribute: 'mouthOpen', label: 'Mouth open' },
  { attribute: 'eyeClosedLeft', label: 'Eye closed L' },
  { attribute: 'eyeClosedRight', label: 'Eye closed R' },
  { attribute: 'browRaise', label: 'Brow raise' },
  { attribute: 'lightAzimuth', label: 'Light azimuth (°)' },
];

/** The attribute names of the estimator's output columns: the pack's meta, else FaceWorld's order. */
export function attributeNames(manifest: PackManifest): readonly string[] {
  const names = manifest.meta?.attributes_names;
  if (Array.isArray(names) && names.every((n) => typeof n === 'string')) return names as string[];
  return ATTRIBUTE_NAMES;
}

/** An image value ([-1,1]) brought to a model's input: resized, then mapped to its range. */
export function modelInput(image: Tensor, entry: PackModelEntry, manifest: PackManifest): Tensor {
  const { width, height } = modelInputSize(manifest, entry);
  const sized = resizeImageValue({ kind: 'image', tensor: image }, width, height).tensor;
  const [lo, hi] = entry.inputs[0].range ?? manifest.image.range;
  if (lo === -1 && hi === 1) return sized;
  return { data: sized.data.map((v) => lo + ((v + 1) / 2) * (hi - lo)), dims: [...sized.dims] };
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

export const measureNode: NodeDefinition = {
  type: 'measure',
  title: 'Measure',
  category: 'analysis',
  doc:
    "Reads pose, expression and light off any image with the pack's attribute estimator: angles in degrees, expressions from 0 (none) to 1 (full). " +
    "CGI is the domain classifier's probability that the image looks like a cgi render (0 = photo-like, 1 = cgi).",
  inputs: [{ name: 'image', label: 'Image', type: 'image' }],
  outputs: [
    ...MEASURED.map((m) => ({ name: m.attribute, label: m.label, type: 'number' as const })),
    { name: 'cgi', label: 'CGI (0–1)', type: 'number' },
  ],
  params: [
    { ...packParam(), doc: 'The model pack whose attribute estimator and domain classifier measure the image.' },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Measure');
    const image = input(inputs, 'image', 'image', 'Measure');
    const attrs = manifest.models.attributes;
    if (!attrs) {
      throw new Error(
        `Measure: model pack "${id}" has no "attributes" model (attribute estimator); choose a pack that has one`,
      );
    }
    const names = attributeNames(manifest);
    const outName = attrs.outputs.find((o) => o.name === 'attributes')?.name ?? attrs.outputs[0].name;
    const got = await ctx.packs.run(
      id,
      'attributes',
      { [attrs.inputs[0].name]: modelInput(image.tensor, attrs, manifest) },
      ctx.signal,
    );
    const row = got[outName];
    if (!row || row.data.length !== names.length) {
      throw new Error(
        `Measure: the attributes model of pack "${id}" gave ${row ? row.data.length : 'no'} values in "${outName}", its manifest names ${names.length} (meta.attributes_names)`,
      );
    }
    ctx.progress(0.5);
    const outputs: Record<string, { kind: 'number'; value: number }> = {};
    const missing: string[] = [];
    for (const m of MEASURED) {
      const i = names.indexOf(m.attribute);
      if (i < 0) missing.push(m.attribute);
      outputs[m.attribute] = { kind: 'number', value: i < 0 ? Number.NaN : row.data[i] };
    }
    if (missing.length) ctx.note?.(`Pack "${id}" does not estimate ${missing.join(', ')}`);

    const domain = manifest.models.domain;
    let cgi = Number.NaN;
    if (domain) {
      const d = await ctx.packs.run(
        id,
        'domain',
        { [domain.inputs[0].name]: modelInput(image.tensor, domain, manifest) },
        ctx.signal,
      );
      const logit = d[domain.outputs[0].name]?.data[0];
      if (logit === undefined)
        throw new Error(`Measure: the domain model of pack "${id}" gave no "${domain.outputs[0].name}" output`);
      cgi = sigmoid(logit);
    } else {
      ctx.note?.(`Pack "${id}" has no domain classifier: no CGI readout`);
    }
    outputs.cgi = { kind: 'number', value: cgi };
    return outputs;
  },
};
