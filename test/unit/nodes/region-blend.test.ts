// Region Blend: soft masks (fill, grow, feather, blend), FaceWorld's regions of a sample face on the
// fixture pack, face-api's landmarks of a real portrait, and the named errors.
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ImageValue, NodeOutputs, Tensor } from '../../../src/graph/types';
import {
  blendThroughMask,
  featherMask,
  fillPolygons,
  growMask,
  pasteIntoPhoto,
  resizeRgba,
  rgbaToTensor,
  tensorToRgba,
} from '../../../src/image';
import { valueBytes } from '../../../src/graph/executor';
import { loadFaceNode } from '../../../src/nodes/load-face';
import { regionBlendNode } from '../../../src/nodes/region-blend';
import { faceRegionMask, FACE_REGIONS, landmarkPolygons } from '../../../src/nodes/face-regions';
import { decodeImageNode } from '../../../src/workers/node/context';
import { resampleQuad } from '../../../src/workers/align';
import { framedFeatures, framedRegion } from '../../../src/synth/framing';
import { featureRegion, mouthRegion } from '../../../src/synth/regions';
import { neutralAttributes, sampleIdentity } from '../../../src/synth';
import { FACE_NETS_LOAD_MS, loadFaceNets } from '../images';
import { imageFrom, makeCtx } from './helpers';

const sum = (m: Float32Array) => m.reduce((s, v) => s + v, 0);
/** Centre of mass (x, y) of a mask of side `size`. */
function centroid(m: Float32Array, size: number) {
  let t = 0,
    x = 0,
    y = 0;
  m.forEach((v, i) => {
    t += v;
    x += v * ((i % size) + 0.5);
    y += v * (Math.floor(i / size) + 0.5);
  });
  return { x: x / t, y: y / t };
}
const pixel = (t: Tensor, i: number) => [0, 1, 2].map((c) => t.data[c * (t.data.length / 3) + i]);

describe('soft masks', () => {
  it('fills a polygon by area, grows it by whole pixels and feathers it without losing its mass', () => {
    const square = [
      { x: 4, y: 4 },
      { x: 12, y: 4 },
      { x: 12, y: 12 },
      { x: 4, y: 12 },
    ];
    const hard = fillPolygons([square], 16, 16);
    expect(sum(hard)).toBe(64);
    expect(hard[5 * 16 + 5]).toBe(1);
    expect(hard[3 * 16 + 5]).toBe(0);
    // a triangle: its diagonal pixels partly covered (4 samples a pixel)
    const triangle = sum(
      fillPolygons(
        [
          [
            { x: 0, y: 0 },
            { x: 8, y: 0 },
            { x: 0, y: 8 },
          ],
        ],
        16,
        16,
      ),
    );
    expect(Math.abs(triangle - 32)).toBeLessThan(3);
    const grown = growMask(hard, 16, 16, 2);
    expect(sum(grown)).toBe(144); // 12×12
    const soft = featherMask(hard, 16, 16, 1.5);
    expect(sum(soft)).toBeCloseTo(64, 0);
    expect(soft[8 * 16 + 8]).toBeGreaterThan(0.95);
    expect(soft[4 * 16 + 8]).toBeGreaterThan(0.3);
    expect(soft[4 * 16 + 8]).toBeLessThan(0.7);
    const a: Tensor = { data: new Float32Array(3 * 256).fill(-1), dims: [1, 3, 16, 16] };
    const b: Tensor = { data: new Float32Array(3 * 256).fill(1), dims: [1, 3, 16, 16] };
    const mixed = blendThroughMask(a, b, soft);
    expect(mixed.data[0]).toBe(-1);
    expect(mixed.data[256 + 4 * 16 + 8]).toBeCloseTo(2 * soft[4 * 16 + 8] - 1, 6);
    expect(() => blendThroughMask(a, b, new Float32Array(10))).toThrow(/do not match a mask of 10 pixels/);
  });

  it('puts the landmark regions where they belong: brows above eyes above mouth, the face around all', () => {
    // a schematic 68-point face on a 100-px canvas (iBUG order)
    const lm = Array.from({ length: 68 }, (_, i) => {
      if (i <= 16) return { x: 20 + (60 * i) / 16, y: 50 + 35 * Math.sin((Math.PI * i) / 16) };
      if (i <= 26) return { x: 25 + 5 * (i - 17) + (i > 21 ? 5 : 0), y: 32 };
      if (i <= 35) return { x: 50, y: 40 + 2 * (i - 27) };
      if (i <= 47) {
        const k = (i - 36) % 6;
        const cx = i < 42 ? 37 : 63;
        return { x: cx + 5 * Math.cos((Math.PI * k) / 3), y: 40 + 2 * Math.sin((Math.PI * k) / 3) };
      }
      const k = (i - 48) % 12;
      return { x: 50 + 10 * Math.cos((Math.PI * k) / 6), y: 68 + 4 * Math.sin((Math.PI * k) / 6) };
    });
    const masks = Object.fromEntries(
      FACE_REGIONS.map((r) => [r, fillPolygons(landmarkPolygons(lm, r), 100, 100)]),
    ) as Record<(typeof FACE_REGIONS)[number], Float32Array>;
    const at = (r: keyof typeof masks) => centroid(masks[r], 100);
    expect(at('brows').y).toBeLessThan(at('eyes').y);
    expect(at('eyes').y).toBeLessThan(at('mouth').y);
    expect(at('mouth').x).toBeCloseTo(50, 0);
    for (const r of ['mouth', 'eyes', 'brows'] as const) expect(sum(masks.face)).toBeGreaterThan(sum(masks[r]));
    expect(masks.face[68 * 100 + 50]).toBe(1); // the mouth is inside the face
    expect(masks.face[5 * 100 + 50]).toBe(0); // above the forehead is not
    expect(() => landmarkPolygons(lm.slice(0, 5), 'mouth')).toThrow(/expected 68 face landmarks, got 5/);
  });
});

describe('paste-back into the photo', () => {
  const flat = (w: number, h: number, v: number) => ({
    width: w,
    height: h,
    data: new Uint8ClampedArray(w * h * 4).fill(v),
  });

  it('puts the crop where resampleQuad cut it, mixed by the mask; the rest of the photo stays', () => {
    const photo = flat(40, 30, 100);
    const square = [
      { x: 10, y: 5 },
      { x: 10, y: 25 },
      { x: 30, y: 25 },
      { x: 30, y: 5 },
    ] as const;
    const crop = flat(10, 10, 200);
    const full = pasteIntoPhoto(photo, square, crop, new Float32Array(100).fill(1));
    const at = (img: { data: Uint8ClampedArray; width: number }, x: number, y: number) =>
      img.data[(y * img.width + x) * 4];
    expect(at(full, 10, 5)).toBe(200);
    expect(at(full, 29, 24)).toBe(200);
    expect(at(full, 9, 5)).toBe(100);
    expect(at(full, 30, 24)).toBe(100);
    expect(at(full, 20, 26)).toBe(100);
    expect(pasteIntoPhoto(photo, square, crop, new Float32Array(100)).data).toEqual(photo.data);
    const half = pasteIntoPhoto(photo, square, crop, new Float32Array(100).fill(0.5));
    expect(at(half, 20, 15)).toBe(150);
    expect(() => pasteIntoPhoto(photo, square, flat(10, 8, 0), new Float32Array(80))).toThrow(/must be square/);
  });

  it('a rotated crop cut out and pasted back in full gives the photo again', () => {
    // a smooth photo, a crop turned by 20°
    const photo = {
      width: 80,
      height: 60,
      data: new Uint8ClampedArray(80 * 60 * 4).map((_, i) => {
        const p = i >> 2;
        return 128 + 100 * Math.sin((p % 80) / 9) * Math.cos(Math.floor(p / 80) / 7);
      }),
    };
    const c = { x: 40, y: 30 };
    const r = (dx: number, dy: number) => {
      const a = (20 * Math.PI) / 180;
      return { x: c.x + dx * Math.cos(a) - dy * Math.sin(a), y: c.y + dx * Math.sin(a) + dy * Math.cos(a) };
    };
    const quad = [r(-15, -15), r(-15, 15), r(15, 15), r(15, -15)] as const;
    const crop = resampleQuad(photo, [...quad], 30);
    const back = pasteIntoPhoto(photo, quad, crop, new Float32Array(30 * 30).fill(1));
    let worst = 0;
    for (let i = 0; i < photo.data.length; i++) worst = Math.max(worst, Math.abs(back.data[i] - photo.data[i]));
    expect(worst).toBeLessThan(12); // two bilinear resamplings of a smooth picture
    expect(back.data[(30 * 80 + 40) * 4]).not.toBe(0);
  });
});

describe('Region Blend on the fixture pack', () => {
  const ctx = makeCtx();
  let source: ImageValue;
  beforeAll(async () => {
    source = (await loadFaceNode.compute({}, { pack: 'fixture', source: 'sample:2', crop: 'center', face: 0 }, ctx))
      .image as ImageValue;
  });

  it("a sample face carries its render; the mask is FaceWorld's own region of it", async () => {
    expect(source.render?.framing).toBe('frame');
    const { mask, from } = await faceRegionMask(source, 'mouth', ctx);
    expect(from).toBe('render');
    const want = framedRegion(sampleIdentity(7002), neutralAttributes(), 32, 'frame', mouthRegion);
    expect(Array.from(mask)).toEqual(Array.from(want));
    // in a face-framed pack's crop too: the features' region lands where the training masks put it
    const [id, attrs] = [sampleIdentity(7002), neutralAttributes()];
    const features = framedRegion(id, attrs, 64, 'face', featureRegion);
    const stored = framedFeatures(id, attrs, 64, 'face');
    expect(Math.max(...features.map((v, i) => Math.abs(v - stored[i])))).toBeLessThan(1 / 255);
    expect(sum(features)).toBeGreaterThan(50);
    const eyes = await faceRegionMask(source, 'eyes', ctx);
    expect(centroid(eyes.mask, 32).y).toBeLessThan(centroid(mask, 32).y);
  });

  it('keeps the source outside the region and the edit inside it, at the source size', async () => {
    const edited = imageFrom(5, 64); // another size: pasted back at the source's 32 px
    const notes: string[] = [];
    const out: NodeOutputs = await regionBlendNode.compute(
      { source, edited },
      { region: 'mouth', grow: 2, feather: 3 },
      makeCtx({}, [], notes),
    );
    const image = out.image as ImageValue;
    expect(image.tensor.dims).toEqual([1, 3, 32, 32]);
    expect(image.render).toBeUndefined();
    const sized = rgbaToTensor(resizeRgba(tensorToRgba(imageFrom(5, 64).tensor), 32, 32));
    const { mask } = await faceRegionMask(source, 'mouth', ctx);
    const core = mask.findIndex((v) => v === 1);
    const m = centroid(mask, 32);
    const centre = Math.floor(m.y) * 32 + Math.floor(m.x);
    expect(mask[centre]).toBe(1);
    // deep inside: the edit; far away (top row): the source, exactly
    pixel(image.tensor, centre).forEach((v, c) => expect(v).toBeCloseTo(pixel(sized, centre)[c], 2));
    expect(pixel(image.tensor, 5)).toEqual(pixel(source.tensor, 5));
    expect(core).toBeGreaterThan(0);
    expect(notes[0]).toMatch(/^mouth from FaceWorld's renderer: \d+ % of the image · edited image resized 64→32 px/);
    // the view: the mask over the source, then the result
    expect((out.view as ImageValue).tensor.dims).toEqual([1, 3, 32, 66]);
    // a wider region takes more of the picture
    const face = await regionBlendNode.compute({ source, edited }, { region: 'face', grow: 2, feather: 3 }, ctx);
    const changed = (t: Tensor) => t.data.filter((v, i) => Math.abs(v - source.tensor.data[i]) > 1e-6).length;
    expect(changed((face.image as ImageValue).tensor)).toBeGreaterThan(changed(image.tensor));
  });

  it('names bad inputs: other shapes, no landmarks, no face', async () => {
    const wide: ImageValue = { kind: 'image', tensor: { data: new Float32Array(3 * 32 * 16), dims: [1, 3, 16, 32] } };
    await expect(
      regionBlendNode.compute({ source, edited: wide }, { region: 'mouth', grow: 2, feather: 3 }, ctx),
    ).rejects.toThrow('Region Blend: "edited" is 32×16 and "source" 32×32; they must show the same framing');
    await expect(regionBlendNode.compute({ source }, { region: 'mouth', grow: 2, feather: 3 }, ctx)).rejects.toThrow(
      'Region Blend: input "edited" is not connected',
    );
    await expect(
      regionBlendNode.compute({ source, edited: source }, { region: 'nose', grow: 2, feather: 3 }, ctx),
    ).rejects.toThrow('Region Blend: param "region" must be one of mouth, eyes, brows, face; got "nose"');
    const { faceLandmarks: _none, ...noLandmarks } = makeCtx();
    const photo = imageFrom(3, 32); // no render: needs landmarks
    await expect(
      regionBlendNode.compute({ source: photo, edited: photo }, { region: 'eyes', grow: 2, feather: 3 }, noLandmarks),
    ).rejects.toThrow('Region Blend: face landmarks (face-api) are not available in this runtime');
  });
});

const PORTRAIT = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
describe.skipIf(!existsSync(PORTRAIT))('Region Blend on a photo (face-api landmarks)', () => {
  beforeAll(loadFaceNets, FACE_NETS_LOAD_MS);

  it('places the regions of an aligned portrait from its landmarks, and says when there is no face', async () => {
    const ctx = makeCtx();
    // an aligned crop as Load Face makes it for a 256-px pack
    const photo: ImageValue = {
      kind: 'image',
      tensor: rgbaToTensor(await ctx.alignFace!(new Uint8Array(readFileSync(PORTRAIT)), 256)),
    };
    expect(photo.render).toBeUndefined();
    const size = photo.tensor.dims[3];
    const eyes = await faceRegionMask(photo, 'eyes', ctx);
    const mouth = await faceRegionMask(photo, 'mouth', ctx);
    expect(eyes.from).toBe('landmarks');
    // FFHQ alignment puts the eyes at ~0.4 of the height and the mouth at ~0.7, centred
    expect(centroid(eyes.mask, size).y / size).toBeGreaterThan(0.3);
    expect(centroid(eyes.mask, size).y / size).toBeLessThan(0.5);
    expect(centroid(mouth.mask, size).y / size).toBeGreaterThan(0.6);
    expect(centroid(mouth.mask, size).y / size).toBeLessThan(0.8);
    expect(Math.abs(centroid(mouth.mask, size).x / size - 0.5)).toBeLessThan(0.06);
    // Load Face's aligned crop keeps its photo; the blend's "photo" output is the result pasted back into it
    const aligned = (
      await loadFaceNode.compute(
        {},
        { pack: 'faceworld', source: 'asset:p', crop: 'face', face: 0 },
        makeCtx({ p: new Uint8Array(readFileSync(PORTRAIT)) }),
      )
    ).image as ImageValue;
    expect(aligned.photo?.image.width).toBe(512);
    // the cache's byte bound counts the photo the crop carries
    expect(valueBytes(aligned)).toBe(3 * 64 * 64 * 4 + 512 * 600 * 4);
    const flatEdit: ImageValue = {
      kind: 'image',
      tensor: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] },
    };
    const notes: string[] = [];
    const out = await regionBlendNode.compute(
      { source: aligned, edited: flatEdit },
      { region: 'mouth', grow: 2, feather: 3 },
      makeCtx({}, [], notes),
    );
    expect(notes[0]).toMatch(
      /^mouth from face-api's landmarks: \d+ % of the image · pasted back into the 512×600 photo$/,
    );
    const pasted = tensorToRgba((out.photo as ImageValue).tensor);
    const original = aligned.photo!.image;
    expect([pasted.width, pasted.height]).toEqual([512, 600]);
    const differs = (x: number, y: number) =>
      [0, 1, 2].some((c) => Math.abs(pasted.data[(y * 512 + x) * 4 + c] - original.data[(y * 512 + x) * 4 + c]) > 2);
    // the mouth (the photo's landmarks) turned grey; the flag in the corner did not
    const lips = (await ctx.faceLandmarks!(original))!.slice(48, 60);
    const mx = Math.round(lips.reduce((s, p) => s + p.x, 0) / 12);
    const my = Math.round(lips.reduce((s, p) => s + p.y, 0) / 12);
    expect(differs(mx, my)).toBe(true);
    expect(differs(20, 20)).toBe(false);
    expect(differs(mx, 40)).toBe(false);
    // cut out again, the pasted photo is the blended crop: also across the feathered edge, where the
    // edit must enter once (photo·(1 − m) + edit·m), not through the mask twice
    const recut = resampleQuad(pasted, [...aligned.photo!.quad], 64);
    const blended = tensorToRgba((out.image as ImageValue).tensor);
    const { mask: hard } = await faceRegionMask(aligned, 'mouth', ctx);
    const soft = featherMask(growMask(hard, 64, 64, 0.02 * 64), 64, 64, 0.03 * 64);
    let edge = 0;
    let n = 0;
    soft.forEach((m, p) => {
      if (m < 0.3 || m > 0.7) return;
      for (let c = 0; c < 3; c++) edge += Math.abs(recut.data[p * 4 + c] - blended.data[p * 4 + c]);
      n += 3;
    });
    expect(n).toBeGreaterThan(30);
    expect(edge / n).toBeLessThan(6);
    const grey: ImageValue = { kind: 'image', tensor: { data: new Float32Array(3 * 64 * 64), dims: [1, 3, 64, 64] } };
    await expect(
      regionBlendNode.compute({ source: grey, edited: grey }, { region: 'mouth', grow: 2, feather: 3 }, ctx),
    ).rejects.toThrow('Region Blend: no face found in the source image (64×64)');
  }, 120_000);

  it("reads an image decoded without the helper the same way (landmarks in the image's own pixels)", async () => {
    const ctx = makeCtx();
    const img = await decodeImageNode(new Uint8Array(readFileSync(PORTRAIT)));
    const small = resizeRgba(img, Math.round(img.width / 4), Math.round(img.height / 4));
    const big = (await ctx.faceLandmarks!(img))!;
    const tiny = (await ctx.faceLandmarks!(small))!;
    // the same face: a quarter of the coordinates, within a couple of the small image's pixels
    const nose = (pts: { x: number; y: number }[]) => pts[30];
    expect(Math.abs(nose(tiny).x - nose(big).x / 4)).toBeLessThan(3);
    expect(Math.abs(nose(tiny).y - nose(big).y / 4)).toBeLessThan(3);
  }, 120_000);
});
