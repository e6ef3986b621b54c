// Layer Range: a delta limited to W+ layers i..j (GANSpace / StyleSpace-style layer-wise edits).
// Presets follow StyleGAN's split of 18 layers (coarse 0–3: pose; middle 4–7: expression; fine
// 8–17: colour and light), scaled to the pack's layer count.
import type { NodeDefinition } from '../graph/types';
import { input, nodePack, numberParam, packParam, stringParam } from './common';
import { optionalLatent, wOffset } from './w-offset';

export const LAYER_PRESETS = ['coarse', 'middle', 'fine'] as const;

/** The layers [from, to] (inclusive) of a preset for a pack with `layers` W+ layers. */
export function presetLayers(preset: (typeof LAYER_PRESETS)[number], layers: number): [number, number] {
  const b1 = Math.max(1, Math.round((4 * layers) / 18));
  const b2 = Math.max(b1 + 1, Math.round((8 * layers) / 18));
  if (preset === 'coarse') return [0, b1 - 1];
  if (preset === 'middle') return [b1, Math.min(layers - 1, b2 - 1)];
  return [Math.min(layers - 1, b2), layers - 1];
}

export const layerRangeNode: NodeDefinition = {
  type: 'layer-range',
  title: 'Layer Range',
  category: 'edit',
  doc: 'Keeps a delta on W+ layers i..j only: coarse (pose), middle (expression) or fine (colour, light) layers, or a custom range. Gives a W+ offset delta.',
  inputs: [
    { name: 'delta', label: 'Delta', type: 'delta' },
    { name: 'latent', label: 'Latent (for DGE)', type: 'latent', optional: true },
  ],
  outputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  params: [
    packParam(),
    {
      kind: 'enum',
      name: 'preset',
      label: 'Layers',
      default: 'coarse',
      options: [
        { value: 'coarse', label: 'coarse (pose)' },
        { value: 'middle', label: 'middle (expression)' },
        { value: 'fine', label: 'fine (colour, light)' },
        { value: 'custom', label: 'custom i..j' },
      ],
      doc: "Which W+ layers keep the delta; the presets scale to the pack's layer count.",
    },
    {
      kind: 'number',
      name: 'from',
      label: 'From layer',
      default: 0,
      min: 0,
      max: 17,
      step: 1,
      integer: true,
      when: { param: 'preset', is: ['custom'] },
    },
    {
      kind: 'number',
      name: 'to',
      label: 'To layer',
      default: 3,
      min: 0,
      max: 17,
      step: 1,
      integer: true,
      when: { param: 'preset', is: ['custom'] },
    },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Layer Range');
    const delta = input(inputs, 'delta', 'delta', 'Layer Range');
    const latent = optionalLatent(inputs.latent, 'Layer Range');
    const L = manifest.latent.layers;
    const preset = stringParam(params, 'preset', 'Layer Range');
    if (preset !== 'custom' && !(LAYER_PRESETS as readonly string[]).includes(preset))
      throw new Error(`Layer Range: unknown preset "${preset}"`);
    let [from, to] =
      preset === 'custom'
        ? [numberParam(params, 'from', 'Layer Range', 0, 17), numberParam(params, 'to', 'Layer Range', 0, 17)]
        : presetLayers(preset as (typeof LAYER_PRESETS)[number], L);
    if (from > to) [from, to] = [to, from];
    if (to > L - 1) {
      ctx.note?.(`Pack "${id}" has ${L} layers: layers ${from}..${to} cut to ${Math.min(from, L - 1)}..${L - 1}`);
      from = Math.min(from, L - 1);
      to = L - 1;
    }
    const off = await wOffset(ctx, id, manifest, delta, latent, 'Layer Range');
    const D = manifest.latent.dim;
    const data = new Float32Array(off.data.length);
    data.set(off.data.subarray(from * D, (to + 1) * D), from * D);
    ctx.note?.(`Layers ${from}..${to} of ${L}`);
    return {
      delta: {
        kind: 'delta',
        method: 'linear',
        pack: id,
        tensor: { data, dims: [...off.dims] },
        label: `${delta.label} [layers ${from}–${to}]`,
      },
    };
  },
};
