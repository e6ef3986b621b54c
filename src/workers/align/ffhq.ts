import type { RgbaImage } from '../../graph/types';
// FFHQ-style face alignment as pure functions: the eye and mouth landmarks fix the centre,
// rotation and scale of a square crop (the recipe of the FFHQ data set's
// `recreate_aligned_images`, which e4e/pSp also use), and a resampler cuts that square out.

export interface Point {
  x: number;
  y: number;
}

/** The square crop in source-image coordinates: corners top-left, bottom-left, bottom-right, top-right (PIL QUAD order). */
export interface FfhqQuad {
  quad: [Point, Point, Point, Point];
  center: Point;
  /** side length of the square in source pixels */
  size: number;
  /** rotation of the face's eye line in radians (0 = level eyes) */
  angle: number;
}

const mean = (pts: Point[]): Point => ({
  x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
  y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
});
const hypot = (p: Point) => Math.hypot(p.x, p.y);

/**
 * The FFHQ crop square for 68 iBUG-layout landmarks (dlib / face-api order: 36–41 and 42–47
 * the eyes, 48 and 54 the mouth corners).
 */
export function ffhqQuad(landmarks: readonly Point[]): FfhqQuad {
  if (landmarks.length !== 68) throw new Error(`FFHQ alignment needs 68 landmarks, got ${landmarks.length}`);
  for (const [i, p] of landmarks.entries()) {
    if (!Number.isFinite(p?.x) || !Number.isFinite(p?.y)) throw new Error(`landmark ${i} is not a finite point`);
  }
  const eyeLeft = mean(landmarks.slice(36, 42));
  const eyeRight = mean(landmarks.slice(42, 48));
  const eyeAvg = { x: (eyeLeft.x + eyeRight.x) / 2, y: (eyeLeft.y + eyeRight.y) / 2 };
  const eyeToEye = { x: eyeRight.x - eyeLeft.x, y: eyeRight.y - eyeLeft.y };
  const mouthLeft = landmarks[48];
  const mouthRight = landmarks[54];
  const mouthAvg = { x: (mouthLeft.x + mouthRight.x) / 2, y: (mouthLeft.y + mouthRight.y) / 2 };
  const eyeToMouth = { x: mouthAvg.x - eyeAvg.x, y: mouthAvg.y - eyeAvg.y };
  if (hypot(eyeToEye) < 1e-6 && hypot(eyeToMouth) < 1e-6)
    throw new Error('landmarks are degenerate: eyes and mouth coincide');

  // x: the horizontal axis, a blend of the eye line and the eye-mouth line turned by 90°
  let x = { x: eyeToEye.x + eyeToMouth.y, y: eyeToEye.y - eyeToMouth.x };
  const xLen = hypot(x);
  if (xLen < 1e-9) throw new Error('landmarks are degenerate: cannot find the face orientation');
  const scale = Math.max(hypot(eyeToEye) * 2.0, hypot(eyeToMouth) * 1.8);
  x = { x: (x.x / xLen) * scale, y: (x.y / xLen) * scale };
  const y = { x: -x.y, y: x.x };
  const c = { x: eyeAvg.x + eyeToMouth.x * 0.1, y: eyeAvg.y + eyeToMouth.y * 0.1 };
  return {
    quad: [
      { x: c.x - x.x - y.x, y: c.y - x.y - y.y },
      { x: c.x - x.x + y.x, y: c.y - x.y + y.y },
      { x: c.x + x.x + y.x, y: c.y + x.y + y.y },
      { x: c.x + x.x - y.x, y: c.y + x.y - y.y },
    ],
    center: c,
    size: 2 * scale,
    angle: Math.atan2(x.y, x.x),
  };
}

function reflect(i: number, n: number): number {
  // mirror padding (as the FFHQ script pads with np.pad 'reflect') for samples outside the photo
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = Math.abs(i) % period;
  if (m >= n) m = period - m;
  return m;
}

/** Box-averages by an integer factor (the FFHQ script's "shrink" step against aliasing). */
export function shrinkImage(img: RgbaImage, factor: number): RgbaImage {
  if (!Number.isInteger(factor) || factor < 1)
    throw new Error(`shrink factor must be a positive integer, got ${factor}`);
  if (factor === 1) return img;
  const w = Math.max(1, Math.floor(img.width / factor));
  const h = Math.max(1, Math.floor(img.height / factor));
  const out = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const acc = [0, 0, 0, 0];
      let n = 0;
      for (let dy = 0; dy < factor; dy++) {
        const sy = Math.min(img.height - 1, y * factor + dy);
        for (let dx = 0; dx < factor; dx++) {
          const sx = Math.min(img.width - 1, x * factor + dx);
          const o = (sy * img.width + sx) * 4;
          for (let c = 0; c < 4; c++) acc[c] += img.data[o + c];
          n++;
        }
      }
      const o = (y * w + x) * 4;
      for (let c = 0; c < 4; c++) out[o + c] = acc[c] / n;
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * Samples the quad of `img` into an `outputSize`² image: bilinear, mirror-padded outside the
 * photo, with an integer box pre-shrink when the quad is more than twice the output size.
 */
export function resampleQuad(img: RgbaImage, quad: FfhqQuad['quad'], outputSize: number): RgbaImage {
  if (!Number.isInteger(outputSize) || outputSize < 1)
    throw new Error(`output size must be a positive integer, got ${outputSize}`);
  if (img.data.length !== img.width * img.height * 4) {
    throw new Error(
      `image data has ${img.data.length} bytes; ${img.width}x${img.height} RGBA needs ${img.width * img.height * 4}`,
    );
  }
  const side = Math.hypot(quad[3].x - quad[0].x, quad[3].y - quad[0].y);
  const shrink = Math.max(1, Math.floor((side / outputSize) * 0.5));
  let src = img;
  let q = quad;
  if (shrink > 1) {
    src = shrinkImage(img, shrink);
    // pixel centres: source x maps to (x + 0.5) / shrink - 0.5 in the shrunk image
    q = quad.map((p) => ({ x: (p.x + 0.5) / shrink - 0.5, y: (p.y + 0.5) / shrink - 0.5 })) as FfhqQuad['quad'];
  }
  const out = new Uint8ClampedArray(outputSize * outputSize * 4);
  const { width: W, height: H, data } = src;
  const ux = { x: q[3].x - q[0].x, y: q[3].y - q[0].y };
  const vy = { x: q[1].x - q[0].x, y: q[1].y - q[0].y };
  for (let j = 0; j < outputSize; j++) {
    const v = (j + 0.5) / outputSize;
    for (let i = 0; i < outputSize; i++) {
      const u = (i + 0.5) / outputSize;
      // quad corners are pixel-edge positions; subtract 0.5 to land on pixel-centre coordinates
      const sx = q[0].x + u * ux.x + v * vy.x - 0.5;
      const sy = q[0].y + u * ux.y + v * vy.y - 0.5;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const xa = reflect(x0, W);
      const xb = reflect(x0 + 1, W);
      const ya = reflect(y0, H);
      const yb = reflect(y0 + 1, H);
      const o = (j * outputSize + i) * 4;
      for (let c = 0; c < 4; c++) {
        const top = data[(ya * W + xa) * 4 + c] * (1 - fx) + data[(ya * W + xb) * 4 + c] * fx;
        const bottom = data[(yb * W + xa) * 4 + c] * (1 - fx) + data[(yb * W + xb) * 4 + c] * fx;
        out[o + c] = top * (1 - fy) + bottom * fy;
      }
    }
  }
  return { width: outputSize, height: outputSize, data: out };
}

/** Scales an image to fit `maxSide` (kept as is when it already fits); detection does not need more. */
export function fitWithin(img: RgbaImage, maxSide: number): { image: RgbaImage; scale: number } {
  const longest = Math.max(img.width, img.height);
  if (longest <= maxSide) return { image: img, scale: 1 };
  const scale = maxSide / longest;
  const w = Math.max(1, Math.round(img.width * scale));
  const h = Math.max(1, Math.round(img.height * scale));
  // an axis-aligned "quad" through the same resampler, then cropped to the aspect ratio
  const square = Math.max(w, h);
  const side = longest;
  const full = resampleQuad(
    img,
    [
      { x: 0, y: 0 },
      { x: 0, y: side },
      { x: side, y: side },
      { x: side, y: 0 },
    ],
    square,
  );
  const data = new Uint8ClampedArray(w * h * 4);
  for (let y = 0; y < h; y++) data.set(full.data.subarray(y * square * 4, y * square * 4 + w * 4), y * w * 4);
  return { image: { width: w, height: h, data }, scale: w / img.width };
}
