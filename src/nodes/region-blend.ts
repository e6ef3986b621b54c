// Region Blend: the edited face pasted back into the source inside a soft mask of one region
// (mouth, eyes, brows, the whole face), so the edit changes nothing outside it.
import type { ImageValue, NodeDefinition } from '../graph/types';
import {
  blendThroughMask,
  featherMask,
  growMask,
  hstack,
  maskOverlay,
  pasteIntoPhoto,
  resizeImageValue,
  rgbaToTensor,
  tensorToRgba,
} from '../image';
import { input, numberParam, stringParam } from './common';
import { FACE_REGIONS, faceRegionMask, type FaceRegion } from './face-regions';

const NODE = 'Region Blend';

export const regionBlendNode: NodeDefinition = {
  type: 'region-blend',
  title: 'Region Blend',
  category: 'edit',
  doc:
    'Keeps the edit inside one region of the face: the edited image blended into the source through a soft mask ' +
    "of the mouth, eyes, brows or whole face, at the source's size and framing (for a photo: the aligned crop). " +
    'The preview shows the mask over the source, then the result; "Photo" is the result pasted back into the photo ' +
    'an aligned face was cut from.',
  inputs: [
    { name: 'source', label: 'Source', type: 'image' },
    { name: 'edited', label: 'Edited', type: 'image' },
  ],
  outputs: [
    { name: 'image', label: 'Result', type: 'image' },
    { name: 'view', label: 'Mask | result', type: 'image' },
    { name: 'photo', label: 'Photo', type: 'image' },
  ],
  params: [
    {
      kind: 'enum',
      name: 'region',
      label: 'Region',
      default: 'mouth',
      options: FACE_REGIONS.map((r) => ({ value: r, label: r === 'face' ? 'whole face' : r })),
      doc:
        "Where the edit is kept. A sample face takes the region from FaceWorld's renderer; any other picture from " +
        "face-api's 68 landmarks of the source.",
    },
    {
      kind: 'number',
      name: 'grow',
      label: 'Grow %',
      default: 2,
      min: 0,
      max: 20,
      step: 0.5,
      doc: "Widens the region by this share of the image's side, so that a feature the edit moves stays inside.",
    },
    {
      kind: 'number',
      name: 'feather',
      label: 'Feather %',
      default: 3,
      min: 0,
      max: 20,
      step: 0.5,
      doc: "Softness of the mask's edge, as a share of the image's side (0: a hard edge).",
    },
  ],
  preview: 'view',
  ui: { widePreview: true },
  async compute(inputs, params, ctx) {
    const source = input(inputs, 'source', 'image', NODE);
    const edited = input(inputs, 'edited', 'image', NODE);
    const region = stringParam(params, 'region', NODE) as FaceRegion;
    if (!FACE_REGIONS.includes(region))
      throw new Error(`${NODE}: param "region" must be one of ${FACE_REGIONS.join(', ')}; got "${region}"`);
    const grow = numberParam(params, 'grow', NODE, 0, 20);
    const feather = numberParam(params, 'feather', NODE, 0, 20);
    const [, , h, w] = source.tensor.dims;
    const [, , eh, ew] = edited.tensor.dims;
    if (ew * h !== eh * w)
      throw new Error(
        `${NODE}: "edited" is ${ew}×${eh} and "source" ${w}×${h}; they must show the same framing (same shape), e.g. the source's own inversion`,
      );
    const notes: string[] = [];
    // paste-back happens at the source's resolution
    if (ew !== w) notes.push(`edited image resized ${ew}→${w} px to the source`);
    const sized = resizeImageValue(edited, w, h);
    let found: Awaited<ReturnType<typeof faceRegionMask>>;
    try {
      found = await faceRegionMask(source, region, ctx);
    } catch (e) {
      throw new Error(`${NODE}: ${(e as Error).message}`);
    }
    ctx.progress(0.7);
    const side = Math.max(w, h);
    const hard = growMask(found.mask, w, h, (grow / 100) * side);
    const mask = featherMask(hard, w, h, (feather / 100) * side);
    const share = mask.reduce((s, v) => s + v, 0) / mask.length;
    if (share * mask.length < 0.5) throw new Error(`${NODE}: the ${region} is not visible in the source image`);
    const image = { kind: 'image' as const, tensor: blendThroughMask(source.tensor, sized.tensor, mask) };
    const view = hstack([maskOverlay(tensorToRgba(source.tensor), mask), tensorToRgba(image.tensor)], 2);
    const by = found.from === 'render' ? "FaceWorld's renderer" : "face-api's landmarks";
    notes.unshift(
      `${region === 'face' ? 'whole face' : region} from ${by}: ${(100 * share).toFixed(0)} % of the image`,
    );
    // an aligned face goes back into its photo: the edit through the same mask (the source crop is the
    // photo resampled, so this is the result above at the photo's own pixels); the feathered mask hides the seam
    let photo: ImageValue = image;
    if (source.photo) {
      const { image: full, quad } = source.photo;
      photo = { kind: 'image', tensor: rgbaToTensor(pasteIntoPhoto(full, quad, tensorToRgba(sized.tensor), mask)) };
      notes.push(`pasted back into the ${full.width}×${full.height} photo`);
    }
    ctx.note?.(notes.join(' · '));
    return { image, view: { kind: 'image', tensor: rgbaToTensor(view) }, photo };
  },
};
