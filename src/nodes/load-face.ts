// Load Face: a bundled sample face, an uploaded file (graph asset) or a URL -> the pack's encoder
// input (center-cropped square, resized, normalised).
import type { ComputeContext, NodeDefinition } from '../graph/types';
import { neutralAttributes, render, sampleIdentity } from '../synth';
import { encoderInputSize, rgbaToPackImage, type Rgba } from '../workers/image';
import { nodePack, packParam, stringParam } from './common';

/** Bundled samples: photo-style FaceWorld faces rendered on demand (deterministic, no files to ship). */
export const SAMPLE_FACES = [1, 2, 3, 4, 5, 6].map((n) => ({ value: `sample:${n}`, label: `Sample face ${n}` }));
/** Identity seeds of the samples are offset so they differ from the CGI pair identities (seeds 1..K). */
const SAMPLE_SEED_OFFSET = 7000;

async function sampleFace(name: string, size: number): Promise<Rgba> {
  const n = Number(name);
  if (!Number.isInteger(n) || n < 1 || n > 999) throw new Error(`Load Face: unknown sample "${name}" (samples are sample:1 … sample:${SAMPLE_FACES.length}, or any number up to 999)`);
  const img = render(sampleIdentity(SAMPLE_SEED_OFFSET + n), neutralAttributes(), { size, style: 'photo', seed: n });
  return { width: img.width, height: img.height, data: img.data };
}

async function decode(ctx: ComputeContext, bytes: Uint8Array, what: string, crop: string, size: number): Promise<Rgba> {
  if (crop === 'face') {
    if (!ctx.alignFace) throw new Error('Load Face: face alignment is not available in this runtime; set "crop" to "center"');
    try {
      // aligned at 256 px at least, then downsized with antialiasing like every other source
      return await ctx.alignFace(bytes, Math.max(size, 256));
    } catch (e) {
      throw new Error(`Load Face: cannot align the face in ${what}: ${(e as Error).message}`);
    }
  }
  try {
    return await ctx.decodeImage(bytes);
  } catch (e) {
    throw new Error(`Load Face: cannot decode ${what}: ${(e as Error).message}`);
  }
}

export const loadFaceNode: NodeDefinition = {
  type: 'load-face',
  title: 'Load Face',
  category: 'input',
  doc: 'A face to edit: a bundled sample, an uploaded picture or a URL, cropped and resized for the pack.',
  inputs: [],
  outputs: [{ name: 'image', label: 'Image', type: 'image' }],
  params: [
    packParam(),
    {
      kind: 'image',
      name: 'source',
      label: 'Face',
      default: 'sample:1',
      doc: 'sample:<n> (bundled), asset:<id> (uploaded, stored in the graph) or url:<address>.',
    },
    {
      kind: 'enum',
      name: 'crop',
      label: 'Crop',
      default: 'center',
      options: [
        { value: 'center', label: 'Center square' },
        { value: 'face', label: 'Detect & align face' },
      ],
      doc: 'How a photo is cut: the centered square, or the largest face found and aligned as in FFHQ (for real-photo packs). Samples are already aligned.',
    },
  ],
  preview: 'image',
  async compute(_inputs, params, ctx) {
    const { manifest } = await nodePack(params, ctx, 'Load Face');
    const source = stringParam(params, 'source', 'Load Face');
    const crop = stringParam(params, 'crop', 'Load Face');
    if (crop !== 'center' && crop !== 'face') throw new Error(`Load Face: param "crop" must be "center" or "face", got "${crop}"`);
    const size = encoderInputSize(manifest).width;
    const colon = source.indexOf(':');
    const scheme = colon > 0 ? source.slice(0, colon) : 'asset';
    const ref = colon > 0 ? source.slice(colon + 1) : source;
    let rgba: Rgba;
    if (scheme === 'sample') {
      rgba = await sampleFace(ref, size);
    } else if (scheme === 'asset') {
      const bytes = ctx.assets.get(ref);
      if (!bytes) throw new Error(`Load Face: the graph has no image asset "${ref}" (param "source")`);
      rgba = await decode(ctx, bytes, `asset "${ref}"`, crop, size);
    } else if (scheme === 'url' || scheme === 'http' || scheme === 'https') {
      const url = scheme === 'url' ? ref : source;
      let bytes: Uint8Array;
      try {
        bytes = await ctx.fetchBytes(url);
      } catch (e) {
        throw new Error(`Load Face: cannot fetch ${url}: ${(e as Error).message}`);
      }
      rgba = await decode(ctx, bytes, url, crop, size);
    } else {
      throw new Error(`Load Face: param "source" must start with sample:, asset: or url:, got "${source.slice(0, 80)}"`);
    }
    ctx.progress(0.5);
    return { image: rgbaToPackImage(rgba, manifest) };
  },
};
