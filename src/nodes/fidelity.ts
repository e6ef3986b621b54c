// Fidelity of an edit that the domain classifier misses: blur. A large α pushes the latent off
// the generator's manifold and the face melts into a smooth blob that the classifier still calls
// "photo". Sharpness here is the variance of the 4-neighbour Laplacian of the grey image inside
// the face box (the central part of a face-framed image); the ratio edited / source says how much
// detail the edit kept. Aim stops before the ratio falls under SHARPNESS_LIMIT.
import type { Tensor } from '../graph/types';

/**
 * The lowest sharpness ratio (edited / source) an edit may keep and still count as faithful.
 * Chosen by `npm run bench:aim-guard` on calibration faces (FaceWorld photo renders, identity
 * seeds 960 000–960 011; none of them reported) with one rule: the largest multiple of 0.05 under
 * every DGE edit at |α| ≤ 1 (the strength the pairs ask for; the smallest ratio there was 0.151),
 * so the guard never fires on the edit the pairs define. Checked on validation faces (970 000+):
 * docs/results/README.md, "Aim's blur guard".
 */
export const SHARPNESS_LIMIT = 0.15;

/** Share of each side left out around the face box (the background and hair carry little detail). */
const MARGIN = 0.15;

/** Laplacian variance over grey variance of an NCHW image tensor inside the central face box. */
export function sharpness(image: Tensor): number {
  const [, channels, height, width] = image.dims;
  if (!channels || !height || !width)
    throw new Error(`sharpness: expected an NCHW image, got [${image.dims.join(',')}]`);
  const plane = height * width;
  const grey = new Float32Array(plane);
  for (let c = 0; c < channels; c++) for (let i = 0; i < plane; i++) grey[i] += image.data[c * plane + i] / channels;
  const [y0, y1] = [Math.max(1, Math.floor(height * MARGIN)), Math.min(height - 1, Math.ceil(height * (1 - MARGIN)))];
  const [x0, x1] = [Math.max(1, Math.floor(width * MARGIN)), Math.min(width - 1, Math.ceil(width * (1 - MARGIN)))];
  const lap = { sum: 0, sq: 0 };
  const value = { sum: 0, sq: 0 };
  let n = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const i = y * width + x;
      const l = grey[i - 1] + grey[i + 1] + grey[i - width] + grey[i + width] - 4 * grey[i];
      lap.sum += l;
      lap.sq += l * l;
      value.sum += grey[i];
      value.sq += grey[i] * grey[i];
      n++;
    }
  }
  if (n === 0) return 0;
  const variance = (m: { sum: number; sq: number }) => Math.max(0, m.sq / n - (m.sum / n) ** 2);
  // over the grey variance: a darker or flatter light scales both, a blur only the Laplacian
  return variance(lap) / Math.max(variance(value), 1e-8);
}

/** How much of the source's detail the edited image keeps (1 = as sharp; 0.3 = a blur). */
export function sharpnessRatio(edited: Tensor, source: Tensor): number {
  const s = sharpness(source);
  return s > 0 ? sharpness(edited) / s : 1;
}
