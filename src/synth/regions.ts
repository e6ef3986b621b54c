// Where on the face each expression lives, read off the G-buffer's material and surface
// coordinates (u across the face, v up it, w the side of an eye). Shared by the locality tests and
// by the training data tool, which writes a per-image mask of the expression regions (eyes, lids,
// brows, mouth) so the demo autoencoder can weight the small features an L1 loss averages away.
import { MAT } from './head';
import type { Attributes, Identity } from './params';
import { gbufferCoverage } from './raster';
import { defaultSupersample, rasterize } from './render';

/** A test on one G-buffer sample: material, surface coordinates u, v, w. */
export type RegionTest = (mat: number, u: number, v: number, w: number) => boolean;

export const mouthRegion: RegionTest = (m, u, v) =>
  (m === MAT.skin && Math.abs(u) < 0.8 && v < -0.12 && v > -1.3) || m === MAT.teeth || m === MAT.cavity;

/** side: +1 the subject's left eye, -1 the right one */
export const eyeRegion =
  (side: number): RegionTest =>
  (m, u, v, w) =>
    ((m === MAT.eyeball || m === MAT.lid) && w === side) ||
    (m === MAT.skin && u * side > 0.12 && u * side < 0.8 && v > -0.25 && v < 0.22);

export const browRegion: RegionTest = (m, u, v) => m === MAT.skin && Math.abs(u) < 1 && v > 0.02 && v < 0.85;

/** The face itself: the front of the skin from chin to forehead, eyes, teeth and mouth (not hair, ears, neck). */
export const faceRegion: RegionTest = (m, u, v) =>
  (m === MAT.skin && Math.abs(u) < 1.2 && v > -1.45 && v < 1) ||
  m === MAT.eyeball ||
  m === MAT.lid ||
  m === MAT.teeth ||
  m === MAT.cavity;

export const bothEyes: RegionTest = (m, u, v, w) => eyeRegion(1)(m, u, v, w) || eyeRegion(-1)(m, u, v, w);

/**
 * The expression features themselves, tighter than the regions above: eyeballs, lids, eye sockets,
 * teeth and mouth cavity, the lips and the brow band. About 7 % of a 64-px render; the training
 * data tool writes its coverage per image (masks.npy) as the autoencoder's loss weight.
 */
export const featureRegion: RegionTest = (m, u, v) =>
  m === MAT.eyeball ||
  m === MAT.lid ||
  m === MAT.teeth ||
  m === MAT.cavity ||
  (m === MAT.skin && Math.abs(u) < 0.5 && v < -0.2 && v > -0.75) ||
  (m === MAT.skin && Math.abs(u) > 0.1 && Math.abs(u) < 0.8 && v > 0.05 && v < 0.3);

/**
 * Share of each output pixel's supersamples that fall in the region (row-major, size × size, 0–1),
 * for the face as rendered with these parameters (pose included).
 */
export function regionCoverage(
  identity: Identity,
  attributes: Attributes,
  size: number,
  region: RegionTest,
  supersample = defaultSupersample(size),
): Float32Array {
  const { gb } = rasterize(identity, attributes, size, supersample);
  return gbufferCoverage(gb, size, supersample, region);
}
