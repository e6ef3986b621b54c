// Real-photo alignment with face-api's packaged weights, in Node (tfjs cpu backend).
// Uses Debian's python-matplotlib-data sample portrait; skipped with a message when it is absent.
import { existsSync, readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { applyOrientation, NoFaceError, type FaceAligner } from '../../../src/workers/align';
import type { RgbaImage } from '../../../src/graph/types';
import { cosineSimilarity } from '../../../src/image';
import { nodeFaceAligner } from '../../../src/workers/align/node';

const PHOTO = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const havePhoto = existsSync(PHOTO);
if (!havePhoto)
  console.warn(`skipping real-photo alignment tests: ${PHOTO} is missing (apt-get install python-matplotlib-data)`);

const decode = async (bytes: Uint8Array): Promise<RgbaImage> => {
  const d = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
  return {
    width: d.width,
    height: d.height,
    data: new Uint8ClampedArray(d.data.buffer, d.data.byteOffset, d.data.byteLength),
  };
};

/** A JPEG whose pixels are stored turned, with an EXIF Orientation tag that says how to show them upright. */
function jpegWithOrientation(stored: RgbaImage, orientation: number): Uint8Array {
  const body = jpeg.encode({ width: stored.width, height: stored.height, data: Buffer.from(stored.data) }, 95).data;
  // APP1 "Exif": big-endian TIFF header, IFD0 with one SHORT entry 0x0112 (Orientation)
  const tiff = [0x4d, 0x4d, 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0, 0, 0, 0, 0];
  const payload = [0x45, 0x78, 0x69, 0x66, 0, 0, ...tiff];
  const app1 = [0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
  return new Uint8Array([...body.subarray(0, 2), ...app1, ...body.subarray(2)]);
}

function meanAbsDiff(a: RgbaImage, b: RgbaImage): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) if (i % 4 !== 3) s += Math.abs(a.data[i] - b.data[i]);
  return s / ((a.data.length / 4) * 3);
}

describe.skipIf(!havePhoto)('face-api alignment of a real photo', () => {
  let aligner: FaceAligner;
  let bytes: Uint8Array;
  let photo: RgbaImage;
  beforeAll(async () => {
    aligner = await nodeFaceAligner();
    bytes = new Uint8Array(readFileSync(PHOTO));
    photo = await decode(bytes);
  }, 120_000);

  it('runs on the tfjs wasm backend with the packaged wasm binaries', () => {
    expect(aligner.backend).toBe('wasm');
  });

  it('finds one face with 68 landmarks and a 128-d descriptor, and cuts a level FFHQ crop', async () => {
    const aligned = await aligner.alignPhoto(bytes, decode, { outputSize: 256 });
    expect(aligned.faces).toHaveLength(1);
    const face = aligned.faces[0];
    expect(face.score).toBeGreaterThan(0.8);
    expect(face.landmarks).toHaveLength(68);
    expect(face.descriptor).toHaveLength(128);
    const { box } = face;
    expect(box.x).toBeGreaterThan(0);
    expect(box.x + box.width).toBeLessThan(photo.width);
    // a portrait: the face is a large part of the frame, eyes above the mouth
    expect(box.width).toBeGreaterThan(photo.width / 5);
    expect(face.landmarks[37].y).toBeLessThan(face.landmarks[51].y);
    expect([aligned.image.width, aligned.image.height]).toEqual([256, 256]);
    expect(Math.abs(aligned.crop.angle)).toBeLessThan(0.3);
    // the crop is bigger than the detector's box (FFHQ keeps hair and chin)
    expect(aligned.crop.size).toBeGreaterThan(box.width * 1.2);
    // re-detecting on the aligned crop finds the face centred, at the FFHQ scale
    const again = await aligner.detect(aligned.image);
    const c = again[0].box;
    expect(Math.abs(c.x + c.width / 2 - 128)).toBeLessThan(25);
    expect(c.width).toBeGreaterThan(256 * 0.35);
    expect(c.width).toBeLessThan(256 * 0.8);
    expect(cosineSimilarity(again[0].descriptor, face.descriptor)).toBeGreaterThan(0.9);
  });

  it('respects EXIF orientation: a photo stored sideways with tag 6 aligns like the upright one', async () => {
    const upright = await aligner.alignPhoto(bytes, decode);
    // stored turned 90° counter-clockwise; tag 6 says "turn clockwise to show"
    const sideways = jpegWithOrientation(applyOrientation(photo, 8), 6);
    const fixed = await aligner.alignPhoto(sideways, decode);
    expect(fixed.photo).toEqual({ width: photo.width, height: photo.height });
    expect(meanAbsDiff(fixed.image, upright.image)).toBeLessThan(12);
    expect(cosineSimilarity(fixed.faces[0].descriptor, upright.faces[0].descriptor)).toBeGreaterThan(0.95);
  });

  it('lists several faces largest first, and aligns the one asked for', async () => {
    // the portrait twice: full size on the left, half size on the right
    const w = photo.width + Math.floor(photo.width / 2);
    const data = new Uint8ClampedArray(w * photo.height * 4).fill(200);
    for (let y = 0; y < photo.height; y++)
      data.set(photo.data.subarray(y * photo.width * 4, (y + 1) * photo.width * 4), y * w * 4);
    for (let y = 0; y < Math.floor(photo.height / 2); y++) {
      for (let x = 0; x < Math.floor(photo.width / 2); x++) {
        const s = (2 * y * photo.width + 2 * x) * 4;
        data.set(photo.data.subarray(s, s + 4), (y * w + photo.width + x) * 4);
      }
    }
    const faces = await aligner.detect({ width: w, height: photo.height, data });
    expect(faces.length).toBe(2);
    expect(faces[0].box.width).toBeGreaterThan(faces[1].box.width * 1.5);
    expect(faces[0].box.x).toBeLessThan(photo.width);
    expect(faces[1].box.x).toBeGreaterThan(photo.width);
    expect(cosineSimilarity(faces[0].descriptor, faces[1].descriptor)).toBeGreaterThan(0.85);
  });

  it('says clearly when there is no face', async () => {
    const blank: RgbaImage = { width: 320, height: 240, data: new Uint8ClampedArray(320 * 240 * 4).fill(128) };
    await expect(aligner.detect(blank)).rejects.toThrow(NoFaceError);
    await expect(aligner.detect(blank)).rejects.toThrow(/no face found in the photo \(320×240\)/);
    await expect(aligner.alignPhoto(bytes, decode, { faceIndex: 3 })).rejects.toThrow(
      /face 3 does not exist: the photo has 1 face/,
    );
  });
});
