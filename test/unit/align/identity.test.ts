// The identity readout ("CS") benchmarks call on two RGBA images in Node: real face-api
// descriptors of Debian's sample portrait (skipped with a message when it is absent).
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_NETS_LOAD_MS, loadFaceNets, mirrored } from '../images';
import { nodeIdentitySimilarity } from '../../../src/workers/align/node';
import { decodeImageNode } from '../../../src/workers/node/context';
import { resizeRgba } from '../../../src/image';
import { neutralAttributes, render, sampleIdentity } from '../../../src/synth';
import type { RgbaImage } from '../../../src/graph/types';

const PHOTO = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const havePhoto = existsSync(PHOTO);
if (!havePhoto)
  console.warn(`skipping identity readout tests: ${PHOTO} is missing (apt-get install python-matplotlib-data)`);

describe.skipIf(!havePhoto)('identity readout for benchmarks (nodeIdentitySimilarity)', () => {
  let photo: RgbaImage;
  let mirrorSimilarity = Number.NaN;
  beforeAll(async () => {
    photo = await decodeImageNode(new Uint8Array(readFileSync(PHOTO)));
    await loadFaceNets(); // shared by both tests; the tests' budgets are for their own detections
  }, FACE_NETS_LOAD_MS);

  it('is 1 for the same photo, high for its mirror image and for a 64-px copy (upscaled before detection)', async () => {
    expect(await nodeIdentitySimilarity(photo, photo)).toEqual({ similarity: expect.closeTo(1, 5), noFaceIn: [] });
    const mirror = await nodeIdentitySimilarity(photo, mirrored(photo));
    expect(mirror.similarity).toBeGreaterThan(0.97);
    expect(mirror.similarity).toBeLessThan(1 - 1e-4);
    mirrorSimilarity = mirror.similarity!;
    // generator outputs are this small; without upscaling the detector finds nothing
    const small = await nodeIdentitySimilarity(photo, resizeRgba(photo, 64, 75));
    expect(small.noFaceIn).toEqual([]);
    expect(small.similarity).toBeGreaterThan(0.9);
  }, 120_000);

  it('is clearly lower for a different face, and null naming the image without a face', async () => {
    // a FaceWorld photo-style render: another (synthetic) person
    const other = render(sampleIdentity(7002), neutralAttributes(), { size: 256, style: 'photo', seed: 1 });
    const different = await nodeIdentitySimilarity(photo, other);
    expect(different.noFaceIn).toEqual([]);
    expect(different.similarity).toBeLessThan(mirrorSimilarity - 0.08);
    const blank: RgbaImage = { width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) };
    expect(await nodeIdentitySimilarity(photo, blank)).toEqual({ similarity: null, noFaceIn: ['b'] });
    expect(await nodeIdentitySimilarity(blank, blank)).toEqual({ similarity: null, noFaceIn: ['a', 'b'] });
  }, 120_000);
});
