// Face framing: the head cut out around its expression features, as aligned face sets (FFHQ)
// are. Round 7 of the demo pack (training/TRAINING.md) found that in the full frame —
// head, hair, neck and shoulders at a fixed camera — the eyes are a few pixels wide and sit
// anywhere, and the demo autoencoder averages them away; centred on the face, the same network
// draws them within 20 CPU minutes. This is that crop, written once, so that every image that
// enters a face-framed pack (training sets, synthetic pairs, sample faces, benchmark ground
// truth) is cut the same way. It matches `probe_inversion.py crops --crop 80` on 128-px renders.
import { featureRegion, regionCoverage, type RegionTest } from './regions';
import { gbufferCoverage } from './raster';
import { defaultSupersample, rasterize, render, renderLayers } from './render';
import type { Attributes, Identity, RenderOptions } from './params';
import type { RgbaImage } from '../graph/types';

export type Framing = 'frame' | 'face';
export const FRAMINGS: readonly Framing[] = ['frame', 'face'];

/** Render at `renderScale` × the output size, cut a square of `cropShare` of that frame around the
 *  features' centroid, area-resample it to the output size. */
export const FACE_FRAMING = { renderScale: 2, cropShare: 0.625 } as const;

/** Round half to even, as numpy and torch round (the Python crops do). */
function roundHalfEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The crop square's top-left corner: `side` px centred on the coverage-weighted centroid of the
 * features (pixel centres), kept inside the `size`-px frame; the frame's centre when nothing of the
 * features is visible.
 */
export function faceCropBox(features: Float32Array, size: number, side: number): { x0: number; y0: number } {
  if (features.length !== size * size)
    throw new Error(`features: expected ${size * size} values, got ${features.length}`);
  if (!Number.isInteger(side) || side < 1 || side > size)
    throw new Error(`side: ${side} must be a whole number in 1..${size}`);
  let total = 0,
    sx = 0,
    sy = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const m = features[y * size + x];
      total += m;
      sx += m * (x + 0.5);
      sy += m * (y + 0.5);
    }
  }
  const cx = total > 0 ? sx / total : size / 2;
  const cy = total > 0 ? sy / total : size / 2;
  const place = (c: number) => roundHalfEven(Math.min(Math.max(c - side / 2, 0), size - side));
  return { x0: place(cx), y0: place(cy) };
}

/**
 * Area resampling of the `side`-px square at (x0, y0) of a `size`-px image with `channels` values
 * per pixel to `out` px: each output pixel is the mean of the input pixels in
 * [floor(i·side/out), ceil((i+1)·side/out)) along each axis, as torch's `interpolate(mode='area')`.
 */
export function areaCrop(
  src: ArrayLike<number>,
  size: number,
  channels: number,
  x0: number,
  y0: number,
  side: number,
  out: number,
): Float64Array {
  if (x0 < 0 || y0 < 0 || x0 + side > size || y0 + side > size)
    throw new Error(`crop ${side} px at (${x0}, ${y0}) leaves the ${size}-px frame`);
  const dst = new Float64Array(out * out * channels);
  const span = (i: number) => [Math.floor((i * side) / out), Math.ceil(((i + 1) * side) / out)] as const;
  for (let oy = 0; oy < out; oy++) {
    const [ya, yb] = span(oy);
    for (let ox = 0; ox < out; ox++) {
      const [xa, xb] = span(ox);
      const n = (yb - ya) * (xb - xa);
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let y = ya; y < yb; y++)
          for (let x = xa; x < xb; x++) sum += src[((y0 + y) * size + x0 + x) * channels + c];
        dst[(oy * out + ox) * channels + c] = sum / n;
      }
    }
  }
  return dst;
}

/** Where the face crop lies, given the features' coverage at twice the output size. */
function faceCut(cover: Float32Array, out: number) {
  const big = out * FACE_FRAMING.renderScale;
  const side = Math.round(big * FACE_FRAMING.cropShare);
  // placed by the masks as the training tool stores them (coverage in 1/255 steps)
  const stored = cover.map((v) => Math.round(v * 255));
  return { big, side, stored, ...faceCropBox(stored, big, side) };
}

/** The framing a pack's `image` block declares (manifest `image.framing`); the whole frame when absent. */
export function imageFraming(image: { framing?: Framing }): Framing {
  return image.framing ?? 'frame';
}

function checkFraming(framing: Framing): void {
  if (framing !== 'frame' && framing !== 'face')
    throw new Error(`framing: expected ${FRAMINGS.map((f) => `"${f}"`).join(' or ')}, got ${JSON.stringify(framing)}`);
}

/** The coverage of the expression features (0–1 per pixel: the training masks) of a face in a framing. */
export function framedFeatures(
  identity: Identity,
  attributes: Attributes,
  size: number,
  framing: Framing,
  supersample?: number,
): Float32Array {
  checkFraming(framing);
  if (framing === 'frame')
    return regionCoverage(identity, attributes, size, featureRegion, supersample ?? defaultSupersample(size));
  const big = size * FACE_FRAMING.renderScale;
  const cut = faceCut(
    regionCoverage(identity, attributes, big, featureRegion, supersample ?? defaultSupersample(big)),
    size,
  );
  return Float32Array.from(areaCrop(cut.stored, cut.big, 1, cut.x0, cut.y0, cut.side, size), (v) => v / 255);
}

/**
 * The coverage (0–1 per pixel, row-major `size`²) of any region of a face, in the framing its
 * render used: pixel for pixel over `renderFramed`'s picture of the same parameters (Region Blend's
 * mask of a FaceWorld face). One rasterisation gives the region and, in `face` framing, the
 * features that place the crop.
 */
export function framedRegion(
  identity: Identity,
  attributes: Attributes,
  size: number,
  framing: Framing,
  region: RegionTest,
): Float32Array {
  checkFraming(framing);
  if (framing === 'frame') return regionCoverage(identity, attributes, size, region, defaultSupersample(size));
  const big = size * FACE_FRAMING.renderScale;
  const ss = defaultSupersample(big);
  const { gb } = rasterize(identity, attributes, big, ss);
  const cut = faceCut(gbufferCoverage(gb, big, ss, featureRegion), size);
  const cover = gbufferCoverage(gb, big, ss, region);
  return Float32Array.from(areaCrop(cover, big, 1, cut.x0, cut.y0, cut.side, size));
}

/**
 * One face rendered in a framing at `options.size`: `frame` is the plain render (the whole head at
 * the fixed camera); `face` renders at twice the size and cuts the face square out of it.
 */
export function renderFramed(
  identity: Identity,
  attributes: Attributes,
  options: RenderOptions,
  framing: Framing,
): RgbaImage {
  checkFraming(framing);
  if (framing === 'frame') return render(identity, attributes, options);
  const out = options.size;
  const big = out * FACE_FRAMING.renderScale;
  // one rasterisation gives the picture and the features that place the crop
  const full = renderLayers(
    identity,
    attributes,
    { ...options, size: big, supersample: options.supersample ?? defaultSupersample(big) },
    featureRegion,
  );
  const cut = faceCut(full.regionCoverage!, out);
  const rgba = areaCrop(full.image.data, big, 4, cut.x0, cut.y0, cut.side, out);
  const data = new Uint8ClampedArray(out * out * 4);
  for (let i = 0; i < rgba.length; i++) data[i] = roundHalfEven(rgba[i]);
  return { width: out, height: out, data };
}
