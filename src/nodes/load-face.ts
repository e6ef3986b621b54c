// Load Face: a bundled sample face, an uploaded file (graph asset) or a URL -> the pack's encoder
// input (center-cropped square, resized, normalised).
import type { ComputeContext, FaceRender, NodeDefinition, PhotoCrop, RgbaImage } from '../graph/types';
import { imageFraming, neutralAttributes, renderFramed, sampleIdentity, type Framing } from '../synth';
import { encoderInputSize, rgbaToPackImage } from '../image';
import { nodePack, packParam, stringParam } from './common';

/** Bundled samples: photo-style FaceWorld faces rendered on demand (deterministic, no files to ship). */
export const SAMPLE_FACES = [1, 2, 3, 4, 5, 6].map((n) => ({ value: `sample:${n}`, label: `Sample face ${n}` }));
/** Identity seeds of the samples are offset so they differ from the CGI pair identities (seeds 1..K). */
const SAMPLE_SEED_OFFSET = 7000;

async function sampleFace(
  name: string,
  size: number,
  framing: Framing,
): Promise<{ rgba: RgbaImage; render: FaceRender }> {
  const n = Number(name);
  if (!Number.isInteger(n) || n < 1 || n > 999)
    throw new Error(
      `Load Face: unknown sample "${name}" (samples are sample:1 … sample:${SAMPLE_FACES.length}, or any number up to 999)`,
    );
  const identity = sampleIdentity(SAMPLE_SEED_OFFSET + n);
  const attributes = neutralAttributes();
  // framed as the pack's encoder was trained (manifest image.framing)
  const img = renderFramed(identity, attributes, { size, style: 'photo', seed: n }, framing);
  return { rgba: { width: img.width, height: img.height, data: img.data }, render: { identity, attributes, framing } };
}

const ordinal = (n: number) =>
  `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/** What the node says about the faces of a photo: how many, and which one it used. */
export function facesNote(faces: number, faceIndex: number): string {
  const which = faceIndex === 0 ? 'largest' : `${ordinal(faceIndex + 1)} largest`;
  return faces === 1
    ? '1 face found'
    : `${faces} faces found, using face ${faceIndex} (${which}; "Face #" picks 0–${faces - 1})`;
}

async function decode(
  ctx: ComputeContext,
  bytes: Uint8Array,
  what: string,
  crop: string,
  size: number,
  faceIndex: number,
): Promise<{ rgba: RgbaImage; photo?: PhotoCrop }> {
  if (crop === 'face') {
    if (!ctx.alignFace)
      throw new Error('Load Face: face alignment is not available in this runtime; set "crop" to "center"');
    let aligned: Awaited<ReturnType<NonNullable<ComputeContext['alignFace']>>>;
    try {
      // aligned at 256 px at least, then downsized with antialiasing like every other source
      aligned = await ctx.alignFace(bytes, Math.max(size, 256), { faceIndex });
    } catch (e) {
      throw new Error(`Load Face: cannot align the face in ${what}: ${(e as Error).message}`);
    }
    if (aligned.faces !== undefined) ctx.note?.(facesNote(aligned.faces, faceIndex));
    const rgba = { width: aligned.width, height: aligned.height, data: aligned.data };
    return aligned.photo ? { rgba, photo: aligned.photo } : { rgba };
  }
  try {
    return { rgba: await ctx.decodeImage(bytes) };
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
      doc: 'How a photo is cut: the centered square, or a face found and aligned as in FFHQ (for real-photo packs). Samples are already aligned.',
    },
    {
      kind: 'number',
      name: 'face',
      label: 'Face #',
      default: 0,
      min: 0,
      max: 19,
      step: 1,
      integer: true,
      doc: 'Which face of a photo with several to align, by size: 0 = the largest. Used when "crop" is "face".',
      when: { param: 'crop', is: ['face'] },
    },
  ],
  preview: 'image',
  ui: { resultRank: 1, compare: 'before' },
  async compute(_inputs, params, ctx) {
    const { manifest } = await nodePack(params, ctx, 'Load Face');
    const source = stringParam(params, 'source', 'Load Face');
    const crop = stringParam(params, 'crop', 'Load Face');
    if (crop !== 'center' && crop !== 'face')
      throw new Error(`Load Face: param "crop" must be "center" or "face", got "${crop}"`);
    const faceIndex = params.face ?? 0;
    if (typeof faceIndex !== 'number' || !Number.isInteger(faceIndex) || faceIndex < 0) {
      throw new Error(
        `Load Face: param "face" must be a whole number from 0 (the largest face), got ${JSON.stringify(faceIndex)}`,
      );
    }
    const size = encoderInputSize(manifest).width;
    const colon = source.indexOf(':');
    const scheme = colon > 0 ? source.slice(0, colon) : 'asset';
    const ref = colon > 0 ? source.slice(colon + 1) : source;
    let rgba: RgbaImage;
    let render: FaceRender | undefined;
    let photo: PhotoCrop | undefined;
    if (scheme === 'sample') {
      ({ rgba, render } = await sampleFace(ref, size, imageFraming(manifest.image)));
    } else if (scheme === 'asset') {
      const bytes = ctx.assets.get(ref);
      if (!bytes) throw new Error(`Load Face: the graph has no image asset "${ref}" (param "source")`);
      ({ rgba, photo } = await decode(ctx, bytes, `asset "${ref}"`, crop, size, faceIndex));
    } else if (scheme === 'url' || scheme === 'http' || scheme === 'https') {
      const url = scheme === 'url' ? ref : source;
      let bytes: Uint8Array;
      try {
        bytes = await ctx.fetchBytes(url);
      } catch (e) {
        throw new Error(`Load Face: cannot fetch ${url}: ${(e as Error).message}`);
      }
      ({ rgba, photo } = await decode(ctx, bytes, url, crop, size, faceIndex));
    } else {
      throw new Error(
        `Load Face: param "source" must start with sample:, asset: or url:, got "${source.slice(0, 80)}"`,
      );
    }
    ctx.progress(0.5);
    const image = rgbaToPackImage(rgba, manifest);
    // a sample is the render itself (drawn at the encoder's size): its regions are known exactly;
    // an aligned face keeps the photo it came from, for pasting an edit back
    return { image: { ...image, ...(render ? { render } : {}), ...(photo ? { photo } : {}) } };
  },
};
