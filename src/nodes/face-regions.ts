// Where a face's regions (mouth, eyes, brows, the whole face) lie in a picture, as a hard mask:
// from the renderer for a FaceWorld render that says how it was drawn (`ImageValue.render`), else
// from face-api's 68 landmarks of the picture (photos, aligned crops, generated faces).
import type { ComputeContext, FaceRender, ImageValue } from '../graph/types';
import { fillPolygons, tensorToRgba, type MaskPoint } from '../image';
import { validateAttributes, validateIdentity } from '../synth/params';
import { framedRegion } from '../synth/framing';
import { browRegion, bothEyes, faceRegion, mouthRegion, type RegionTest } from '../synth/regions';

export const FACE_REGIONS = ['mouth', 'eyes', 'brows', 'face'] as const;
export type FaceRegion = (typeof FACE_REGIONS)[number];

const RENDER_REGIONS: Record<FaceRegion, RegionTest> = {
  mouth: mouthRegion,
  eyes: bothEyes,
  brows: browRegion,
  face: faceRegion,
};

const mean = (pts: MaskPoint[]): MaskPoint => ({
  x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
  y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
});
/** Points moved away from their centroid by `factor` (1.5: half as large again). */
const scaled = (pts: MaskPoint[], factor: number): MaskPoint[] => {
  const c = mean(pts);
  return pts.map((p) => ({ x: c.x + (p.x - c.x) * factor, y: c.y + (p.y - c.y) * factor }));
};
const moved = (pts: MaskPoint[], d: MaskPoint, k: number) => pts.map((p) => ({ x: p.x + d.x * k, y: p.y + d.y * k }));
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * The region as polygons over 68 iBUG-order landmarks (0–16 jaw, 17–26 brows, 27–35 nose, 36–47
 * eyes, 48–67 lips). Each region is drawn a little larger than its landmarks, as FaceWorld's
 * regions are: an edit moves the feature (a smile widens the mouth), and the mask must hold it.
 */
export function landmarkPolygons(landmarks: MaskPoint[], region: FaceRegion): MaskPoint[][] {
  if (landmarks.length !== 68) throw new Error(`expected 68 face landmarks, got ${landmarks.length}`);
  const at = (ids: number[]) => ids.map((i) => landmarks[i]);
  const eyes = [at(range(36, 41)), at(range(42, 47))];
  if (region === 'mouth') return [scaled(at(range(48, 59)), 1.5)];
  if (region === 'eyes') return eyes.map((eye) => scaled(eye, 2.2));
  const browIds = [range(17, 21), range(22, 26)];
  if (region === 'brows') {
    // a band from above each brow down towards its eye
    return browIds.map((ids, side) => {
      const brow = at(ids);
      const eye = mean(eyes[side]);
      const b = mean(brow);
      const down = { x: eye.x - b.x, y: eye.y - b.y };
      return [...moved(brow, down, -0.45), ...moved(brow, down, 0.55).reverse()];
    });
  }
  // the face: the jaw line closed over the brows lifted to the forehead
  const chin = landmarks[8];
  const bridge = landmarks[27];
  const up = { x: bridge.x - chin.x, y: bridge.y - chin.y };
  const brows = at([...browIds[0], ...browIds[1]].reverse());
  return [[...at(range(0, 16)), ...moved(brows, up, 0.3)]];
}

function renderParams(render: FaceRender) {
  try {
    validateIdentity(render.identity);
    validateAttributes(render.attributes);
  } catch (e) {
    throw new Error(`the source's render parameters are broken: ${(e as Error).message}`);
  }
  return { identity: render.identity, attributes: render.attributes };
}

/** Where the mask came from, for the node's note. */
export type MaskSource = 'render' | 'landmarks';

/**
 * The hard (0–1 coverage) mask of `region` over `image`, and what placed it: the renderer's own
 * regions for a FaceWorld render, face-api's landmarks otherwise. Throws a named error when the
 * runtime has no landmarks or no face is found.
 */
export async function faceRegionMask(
  image: ImageValue,
  region: FaceRegion,
  ctx: ComputeContext,
): Promise<{ mask: Float32Array; from: MaskSource }> {
  const [, , height, width] = image.tensor.dims;
  if (image.render) {
    if (width !== height) throw new Error(`a FaceWorld render is square; this one is ${width}×${height}`);
    const { identity, attributes } = renderParams(image.render);
    const mask = framedRegion(identity, attributes, width, image.render.framing, RENDER_REGIONS[region]);
    return { mask, from: 'render' };
  }
  if (!ctx.faceLandmarks)
    throw new Error(
      'face landmarks (face-api) are not available in this runtime, and the source is not a FaceWorld render',
    );
  const landmarks = await ctx.faceLandmarks(tensorToRgba(image.tensor));
  if (!landmarks)
    throw new Error(
      `no face found in the source image (${width}×${height}); face-api's 68 landmarks place the region of a photo — use a clearly visible, roughly frontal face`,
    );
  return { mask: fillPolygons(landmarkPolygons(landmarks, region), width, height), from: 'landmarks' };
}
