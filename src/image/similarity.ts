// How alike two images or two descriptors are: PSNR of image tensors, cosine similarity of face
// descriptors (the identity readout).
import type { Tensor } from '../graph/types';

/** PSNR in dB between two equal-shape tensors whose values span `range`; identical images give 100 dB (a cap, so the value stays finite and serialisable). */
export function psnr(a: Tensor, b: Tensor, range: [number, number] = [-1, 1]): number {
  if (a.data.length !== b.data.length)
    throw new Error(`PSNR needs equal shapes, got [${a.dims.join(',')}] and [${b.dims.join(',')}]`);
  let se = 0;
  for (let i = 0; i < a.data.length; i++) {
    const d = a.data[i] - b.data[i];
    se += d * d;
  }
  const mse = se / a.data.length;
  const peak = range[1] - range[0];
  if (mse === 0) return 100;
  return Math.min(100, 10 * Math.log10((peak * peak) / mse));
}

/** Cosine similarity of two face descriptors (the identity-preservation "CS" readout). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length || a.length === 0)
    throw new Error(`descriptors must have the same non-zero length, got ${a.length} and ${b.length}`);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) throw new Error('cannot compare a zero descriptor');
  return dot / Math.sqrt(na * nb);
}
