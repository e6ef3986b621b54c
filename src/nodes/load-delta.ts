// Load Delta: a delta from a file — a Delta Studio `.delta.json` (saved from any delta output, e.g.
// by `npm run graph`) or an InterFaceGAN-style `.npy` boundary: one W direction [D] / [1,D]
// (applied to every layer) or a W+ one [L,D] / [1,L,D], float32 or float64.
import { deltaModelSha, describeDelta, parseDeltaFile, readDataUrl } from '../graph/delta-file';
import type { DeltaValue, NodeDefinition } from '../graph/types';
import { parseNpy } from '../synth/npy';
import { nodePack, packParam, stringParam } from './common';

export const loadDeltaNode: NodeDefinition = {
  type: 'load-delta',
  title: 'Load Delta',
  category: 'input',
  doc: 'Reads a saved delta (.delta.json) or an InterFaceGAN-style .npy boundary (W or W+) from a URL or path.',
  inputs: [],
  outputs: [{ name: 'delta', label: 'Delta', type: 'delta' }],
  params: [
    packParam(),
    {
      kind: 'string',
      name: 'source',
      label: 'File (URL or path)',
      default: '',
      picker: 'delta',
      doc: 'A .delta.json or a .npy boundary; a delta picked from the library is embedded in the graph as a data: URL.',
    },
  ],
  async compute(_inputs, params, ctx) {
    const { id, manifest } = await nodePack(params, ctx, 'Load Delta');
    const source = stringParam(params, 'source', 'Load Delta').trim();
    if (!source) throw new Error('Load Delta: no file: give the URL or path of a .delta.json or a .npy boundary');
    let inline: ReturnType<typeof readDataUrl> | null = null;
    try {
      if (source.startsWith('data:')) inline = readDataUrl(source);
    } catch (err) {
      throw new Error(`Load Delta: ${err instanceof Error ? err.message : String(err)}`);
    }
    const bytes = inline?.bytes ?? (await ctx.fetchBytes(source));
    const name = inline ? inline.name : (source.split(/[\\/]/).pop() ?? source);
    const [L, D] = [manifest.latent.layers, manifest.latent.dim];
    if (bytes[0] === 0x93 && String.fromCharCode(...bytes.subarray(1, 6)) === 'NUMPY') {
      const t = parseNpy(bytes, `Load Delta: ${name}`);
      const n = t.data.length;
      if (n !== D && n !== L * D) {
        throw new Error(
          `Load Delta: ${name} has shape [${t.dims.join(',')}]; pack "${id}" needs a W direction of ${D} values or a W+ one of ${L}×${D}`,
        );
      }
      const data = n === D ? new Float32Array(L * D).map((_, i) => t.data[i % D]) : t.data;
      ctx.note?.(`${name}: ${n === D ? `W direction (${D}), applied to all ${L} layers` : `W+ direction (${L}×${D})`}`);
      return {
        delta: {
          kind: 'delta',
          method: 'linear',
          pack: id,
          tensor: { data, dims: [1, L, D] },
          label: name.replace(/\.npy$/i, ''),
        } satisfies DeltaValue,
      };
    }
    const parsed = parseDeltaFile(new TextDecoder().decode(bytes));
    if (!parsed.ok) throw new Error(`Load Delta: ${name}: ${parsed.errors.join('; ')}`);
    const { delta, file } = parsed;
    if (delta.pack !== id)
      throw new Error(`Load Delta: ${name} belongs to pack "${delta.pack}"; this node uses pack "${id}"`);
    const want = delta.method === 'dge' ? [1, manifest.deltaDim ?? delta.tensor.dims[1]] : [1, L, D];
    if (delta.tensor.dims.join(',') !== want.join(','))
      throw new Error(
        `Load Delta: ${name} has dims [${delta.tensor.dims.join(',')}], pack "${id}" needs [${want.join(',')}] for a ${delta.method} delta`,
      );
    const sha = deltaModelSha(manifest, delta.method);
    const what = describeDelta(file);
    ctx.note?.(
      sha === file.pack.sha256
        ? `${delta.method} delta: ${what}`
        : `${delta.method} delta: ${what} — saved with another version of pack "${id}" (model sha256 differs): it may not mean the same edit`,
    );
    return { delta };
  },
};
