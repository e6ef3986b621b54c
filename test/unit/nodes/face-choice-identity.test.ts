// Compare's identity readout (CS) and Load Face's face picker on a real portrait with real
// face-api networks; the engine shows the node's note ("2 faces found…") on its state, cached too.
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { encode as encodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { FACE_NETS_LOAD_MS, loadFaceNets, mirrored } from '../images';
import type { GraphDocument } from '../../../src/graph/document';
import type { ImageValue, NumberValue, RgbaImage } from '../../../src/graph/types';
import { compareNode } from '../../../src/nodes/compare';
import { facesNote, loadFaceNode } from '../../../src/nodes/load-face';
import { createEngine, type EngineEvent } from '../../../src/workers/engine';
import { resizeRgba, rgbaToTensor, tensorToRgba } from '../../../src/image';
import { alignFaceNode, decodeImageNode, faceDescriptorNode, fetchBytesNode } from '../../../src/workers/node/context';
import type { OrtModule } from '../../../src/workers/pack/runtime';
import { makeCtx, maxAbsDiff, modelsDir } from './helpers';

const PORTRAIT = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const havePortrait = existsSync(PORTRAIT);
if (!havePortrait)
  console.warn(
    `skipping identity / face-choice tests: ${PORTRAIT} is missing (apt-get install python-matplotlib-data)`,
  );

/** The portrait at full size on the left and mirrored at half size on the right: two faces, the mirrored one smaller. */
function twoFaces(photo: RgbaImage): RgbaImage {
  const half = mirrored(resizeRgba(photo, photo.width / 2, photo.height / 2));
  const w = photo.width + half.width;
  const data = new Uint8ClampedArray(w * photo.height * 4).fill(200);
  for (let y = 0; y < photo.height; y++)
    data.set(photo.data.subarray(y * photo.width * 4, (y + 1) * photo.width * 4), y * w * 4);
  for (let y = 0; y < half.height; y++)
    data.set(half.data.subarray(y * half.width * 4, (y + 1) * half.width * 4), (y * w + photo.width) * 4);
  return { width: w, height: photo.height, data };
}

const png = (img: RgbaImage) =>
  encodePng({
    width: img.width,
    height: img.height,
    data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength),
    channels: 4,
  });
const image = (img: RgbaImage): ImageValue => ({ kind: 'image', tensor: rgbaToTensor(img) });

// the face networks load once for the whole file, before its tests (each test's budget is its own work)
beforeAll(async () => {
  if (havePortrait) await loadFaceNets();
}, FACE_NETS_LOAD_MS);

describe('Compare: identity readout', () => {
  it('is off by default: NaN, and no face networks needed', async () => {
    const { faceDescriptor: _none, ...ctx } = makeCtx();
    const flat = image({ width: 16, height: 16, data: new Uint8ClampedArray(16 * 16 * 4).fill(90) });
    const out = await compareNode.compute({ a: flat, b: flat }, {}, ctx);
    expect((out.identity as NumberValue).value).toBeNaN();
    expect((out.psnr as NumberValue).value).toBe(100); // identical images: PSNR's cap
    await expect(compareNode.compute({ a: flat, b: flat }, { identity: true }, ctx)).rejects.toThrow(
      'Compare: the identity readout (face descriptors) is not available in this runtime; turn "identity" off',
    );
    await expect(compareNode.compute({ a: flat, b: flat }, { identity: 'yes' }, ctx)).rejects.toThrow(
      'param "identity" must be true or false, got "yes"',
    );
  });

  it.skipIf(!havePortrait)(
    'measures CS next to PSNR, and says which image has no face',
    async () => {
      const photo = resizeRgba(await decodeImageNode(new Uint8Array(readFileSync(PORTRAIT))), 256, 300);
      const notes: string[] = [];
      const ctx = makeCtx({}, [], notes);
      const out = await compareNode.compute({ a: image(photo), b: image(mirrored(photo)) }, { identity: true }, ctx);
      const cs = (out.identity as NumberValue).value;
      expect(cs).toBeGreaterThan(0.97);
      expect(cs).toBeLessThan(1);
      expect((out.psnr as NumberValue).value).toBeLessThan(30);
      expect(notes).toEqual([]);
      const flat = image({ width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(128) });
      const none = await compareNode.compute({ a: image(photo), b: flat }, { identity: true }, ctx);
      expect((none.identity as NumberValue).value).toBeNaN();
      expect(notes).toEqual([expect.stringMatching(/^Identity: no face found in "after" \(/)]);
    },
    120_000,
  );
});

describe.skipIf(!havePortrait)('Load Face: several faces, the user picks', () => {
  let group: Uint8Array;
  beforeAll(async () => {
    group = png(twoFaces(await decodeImageNode(new Uint8Array(readFileSync(PORTRAIT)))));
  });

  it('uses the largest by default, another by "face", and names the count when the index is past it', async () => {
    const notes: string[] = [];
    const ctx = makeCtx({ group }, [], notes);
    const params = { pack: 'fixture', source: 'asset:group', crop: 'face' };
    const largest = tensorToRgba(((await loadFaceNode.compute({}, params, ctx)).image as ImageValue).tensor);
    const second = tensorToRgba(
      ((await loadFaceNode.compute({}, { ...params, face: 1 }, ctx)).image as ImageValue).tensor,
    );
    expect(notes).toEqual([facesNote(2, 0), facesNote(2, 1)]);
    expect(notes[0]).toBe('2 faces found, using face 0 (largest; "Face #" picks 0–1)');
    expect(notes[1]).toBe('2 faces found, using face 1 (2nd largest; "Face #" picks 0–1)');
    // the second face is the mirrored copy: its aligned crop matches the mirror of the first
    const t = (img: RgbaImage) => rgbaToTensor(img);
    expect(maxAbsDiff(t(second), t(largest))).toBeGreaterThan(0.3);
    const meanDiff = (a: RgbaImage, b: RgbaImage) =>
      a.data.reduce((s, v, i) => s + Math.abs(v - b.data[i]), 0) / a.data.length;
    expect(meanDiff(second, mirrored(largest))).toBeLessThan(meanDiff(second, largest) / 2);
    await expect(loadFaceNode.compute({}, { ...params, face: 2 }, ctx)).rejects.toThrow(
      'Load Face: cannot align the face in asset "group": face 2 does not exist: the photo has 2 faces (0 = largest)',
    );
    await expect(loadFaceNode.compute({}, { ...params, face: 1.5 }, ctx)).rejects.toThrow(
      'param "face" must be a whole number from 0 (the largest face), got 1.5',
    );
  }, 120_000);

  it('the engine puts the note on the node state, and again on a cache hit', async () => {
    ort.env.wasm.numThreads = 1;
    const engine = createEngine({
      ort: ort as unknown as OrtModule,
      byteSource: (base) => (p) => readFile(path.join(base, p)).then((b) => new Uint8Array(b)),
      decodeImage: decodeImageNode,
      fetchBytes: fetchBytesNode,
      alignFace: alignFaceNode,
      faceDescriptor: faceDescriptorNode,
    });
    await engine.init({ modelsBaseUrl: modelsDir });
    const doc: GraphDocument = {
      format: 'delta-studio/graph',
      version: 1,
      name: 'two faces',
      nodes: [
        {
          id: 'face',
          type: 'load-face',
          params: { pack: 'fixture', source: 'asset:group', crop: 'face', face: 1 },
          position: [0, 0],
        },
      ],
      connections: [],
      packs: [],
      assets: { group: { mime: 'image/png', data: Buffer.from(group).toString('base64') } },
    };
    const states = async () => {
      const events: EngineEvent[] = [];
      const summary = await engine.run(doc, (e) => events.push(e));
      expect(summary.errors).toEqual({});
      return events.filter((e) => e.type === 'node-state' && e.nodeId === 'face' && e.state !== 'running');
    };
    expect(await states()).toEqual([expect.objectContaining({ state: 'done', message: facesNote(2, 1) })]);
    expect(await states()).toEqual([expect.objectContaining({ state: 'cached', message: facesNote(2, 1) })]);
    await engine.dispose();
  }, 120_000);
});
