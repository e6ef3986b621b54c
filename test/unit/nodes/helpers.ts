// Shared set-up for node tests: the real fixture pack through onnxruntime-web in Node.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ComputeContext, ImageValue, LatentValue, PairsValue, Tensor } from '../../../src/graph/types';
import {
  alignFaceNode,
  createNodePackRuntime,
  decodeImageNode,
  faceDescriptorNode,
  faceLandmarksNode,
  fetchBytesNode,
} from '../../../src/workers/node/context';
import { neutralAttributes, sampleIdentity, type AttributeName, type RenderStyle } from '../../../src/synth';
import { imageFraming, renderFramed, type Framing } from '../../../src/synth/framing';
import { rgbaToTensor } from '../../../src/image';

export const modelsDir = fileURLToPath(new URL('../../../models', import.meta.url));
export const packs = createNodePackRuntime(modelsDir);

/** A Node compute context; `notes` collects what the node says through ctx.note. */
export function makeCtx(
  assets: Record<string, Uint8Array> = {},
  progress: number[] = [],
  notes: string[] = [],
): ComputeContext {
  return {
    packs,
    assets: { get: (id) => assets[id] },
    decodeImage: decodeImageNode,
    fetchBytes: fetchBytesNode,
    alignFace: alignFaceNode,
    faceDescriptor: faceDescriptorNode,
    faceLandmarks: faceLandmarksNode,
    note: (text) => notes.push(text),
    signal: new AbortController().signal,
    progress: (f) => progress.push(f),
  };
}

export function latentFrom(seed: number, pack = 'fixture'): LatentValue {
  const data = new Float32Array(64).map((_, i) => Math.sin(seed * 13.1 + i * 0.7));
  return { kind: 'latent', pack, tensor: { data, dims: [1, 4, 16] } };
}

/** The framing a committed pack's manifest declares (`image.framing`; whole frame when absent). */
export function packFraming(pack: string): Framing {
  const manifest = JSON.parse(readFileSync(`${modelsDir}/${pack}/manifest.json`, 'utf8')) as {
    image: { framing?: Framing };
  };
  return imageFraming(manifest.image);
}

/** A FaceWorld render (neutral attributes except `changes`) as an image value in [-1,1], in the
 *  given framing (the whole frame, or cut around the face as a face-framed pack was trained). */
export function renderFace(
  seed: number,
  changes: Partial<Record<AttributeName, number>> = {},
  style: RenderStyle = 'photo',
  size = 64,
  framing: Framing = 'frame',
): ImageValue {
  const attrs = { ...neutralAttributes(), ...changes };
  return {
    kind: 'image',
    tensor: rgbaToTensor(renderFramed(sampleIdentity(seed), attrs, { size, style, seed }, framing)),
  };
}

export function imageFrom(seed: number, size = 32): ImageValue {
  const data = new Float32Array(3 * size * size).map((_, i) => Math.sin(seed + i * 0.05) * 0.9);
  return { kind: 'image', tensor: { data, dims: [1, 3, size, size] } };
}

export function pairsFrom(k: number): PairsValue {
  return {
    kind: 'pairs',
    attribute: 'smile',
    fromValue: 0,
    toValue: 1,
    pairs: Array.from({ length: k }, (_, i) => ({
      from: imageFrom(i),
      to: imageFrom(i + 100),
      params: { from: {}, to: {} },
    })),
  };
}

export function maxAbsDiff(a: Tensor, b: Tensor): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

export function std(t: Tensor): number {
  const n = t.data.length;
  const mean = t.data.reduce((s, v) => s + v, 0) / n;
  return Math.sqrt(t.data.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
}
