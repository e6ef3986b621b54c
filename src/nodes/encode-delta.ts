// Encode Delta: K pairs (synthetic, or photos already inverted) -> one delta. `dge`: δ = mean_k Enc(E(from_k), E(to_k)) with the
// pack's Δ-encoder; `linear` (baseline): the W+ offset mean_k (E(to_k) − E(from_k)).
import type { DeltaValue, NodeDefinition } from '../graph/types';
import { encoderInputSize, resizeImageValue } from '../image';
import { input, meanOverBatch, nodePack, packParam, runBatched, stack, stringParam } from './common';

/** Images per encoder call: keeps memory bounded on big packs (1024-px encoders). */
const ENCODER_CHUNK = 8;

export const encodeDeltaNode: NodeDefinition = {
  type: 'encode-delta',
  title: 'Encode Delta',
  category: 'edit',
  doc: 'Turns synthetic pairs into an edit: the DGE Δ-encoder code, or the plain latent difference baseline, averaged over the pairs.',
  inputs: [{ name: 'pairs', label: 'Pairs', type: 'pairs' }],
  outputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  params: [
    packParam(),
    {
      kind: 'enum',
      name: 'method',
      label: 'Method',
      default: 'dge',
      options: [
        { value: 'dge', label: 'DGE Δ-encoder' },
        { value: 'linear', label: 'Linear (latent difference)' },
      ],
      doc: "DGE: the Δ-encoder code, decoded against your face's latent, so the change adapts to that face (the method). Linear: the mean latent offset E(to) − E(from) of the pairs, added as is (the baseline to compare with).",
    },
  ],
  async compute(inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Encode Delta');
    const pairs = input(inputs, 'pairs', 'pairs', 'Encode Delta');
    const method = stringParam(params, 'method', 'Encode Delta');
    if (method !== 'dge' && method !== 'linear')
      throw new Error(`Encode Delta: param "method" must be "dge" or "linear", got "${method}"`);
    if (method === 'dge' && (!manifest.models.delta_encoder || !manifest.models.delta_decoder)) {
      throw new Error(`Encode Delta: model pack "${id}" has no Δ-encoder; use method "linear"`);
    }
    const k = pairs.pairs.length;
    if (k === 0) throw new Error('Encode Delta: input "pairs" holds no pairs');
    const { width, height } = encoderInputSize(manifest);
    const images = () =>
      [...pairs.pairs.map((p) => p.from), ...pairs.pairs.map((p) => p.to)].map(
        (img) => resizeImageValue(img, width, height).tensor,
      );
    const steps = method === 'dge' ? 2 * k + 1 : 2 * k;
    // pairs inverted in this pack already (Photo Pair) keep their latents; others are encoded here
    const inverted = pairs.pairs.every((p) => p.latents?.pack === id);
    const ws = inverted
      ? stack([...pairs.pairs.map((p) => p.latents!.from), ...pairs.pairs.map((p) => p.latents!.to)])
      : await runBatched(ctx, id, manifest, 'encoder', stack(images()), ENCODER_CHUNK, (done) =>
          ctx.progress(done / steps),
        );
    const per = ws.data.length / (2 * k);
    const wFrom = { data: ws.data.slice(0, k * per), dims: [k, ...ws.dims.slice(1)] };
    const wTo = { data: ws.data.slice(k * per), dims: [k, ...ws.dims.slice(1)] };
    const label = `${pairs.attribute} ${pairs.fromValue}→${pairs.toValue}`;
    let delta: DeltaValue;
    if (method === 'linear') {
      const diff = new Float32Array(wTo.data.length);
      for (let i = 0; i < diff.length; i++) diff[i] = wTo.data[i] - wFrom.data[i];
      delta = { kind: 'delta', method, pack: id, tensor: meanOverBatch({ data: diff, dims: wTo.dims }), label };
    } else {
      const de = manifest.models.delta_encoder!;
      const out = await ctx.packs.run(
        id,
        'delta_encoder',
        { [de.inputs[0].name]: wFrom, [de.inputs[1].name]: wTo },
        ctx.signal,
      );
      delta = { kind: 'delta', method, pack: id, tensor: meanOverBatch(out[de.outputs[0].name]), label };
    }
    ctx.progress(1);
    delta.source = { attribute: pairs.attribute, from: pairs.fromValue, to: pairs.toValue, k };
    return { delta };
  },
};
