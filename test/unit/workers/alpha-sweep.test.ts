// The α sweep GIF on the fixture pack: Random Face + (Synthetic Pair → Encode Delta → Scale) → Add →
// Generate, swept from α 0 to Scale's α and back. The GIF is read back by a small parser here
// (logical screen, one image descriptor per frame, each frame's LZW data): the frame count, the
// size (64-px faces scaled up by a whole factor) and that frames differ; bad requests are named.
import { describe, expect, it } from 'vitest';
import type { GraphDocument } from '../../../src/graph/document';
import { Executor } from '../../../src/graph/executor';
import { nodeDefinitions } from '../../../src/nodes/index';
import { imageDownstream, sweepGif } from '../../../src/workers/alpha-sweep';
import { makeCtx } from '../nodes/helpers';

const registry = new Map(nodeDefinitions.map((d) => [d.type, d]));
const executor = () => new Executor(registry, (signal) => ({ ...makeCtx(), signal }));

function graph(alpha: number): GraphDocument {
  const pack = 'fixture';
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 'sweep',
    nodes: [
      { id: 'face', type: 'random-face', params: { pack, seed: 3 }, position: [0, 0] },
      {
        id: 'pairs',
        type: 'synthetic-pair',
        params: { pack, attribute: 'smile', from: 0, to: 1, count: 2, identitySeed: 1 },
        position: [0, 200],
      },
      { id: 'delta', type: 'encode-delta', params: { pack, method: 'linear' }, position: [200, 200] },
      { id: 'scale', type: 'scale', params: { alpha }, position: [400, 200] },
      { id: 'add', type: 'add', params: { pack, combine: 'sum' }, position: [600, 0] },
      { id: 'gen', type: 'generate', params: { pack }, position: [800, 0] },
      { id: 'cmp', type: 'compare', params: { identity: false }, position: [1000, 0] },
    ],
    connections: [
      { id: 'c1', from: { node: 'face', socket: 'latent' }, to: { node: 'add', socket: 'latent' } },
      { id: 'c2', from: { node: 'pairs', socket: 'pairs' }, to: { node: 'delta', socket: 'pairs' } },
      { id: 'c3', from: { node: 'delta', socket: 'delta' }, to: { node: 'scale', socket: 'delta' } },
      { id: 'c4', from: { node: 'scale', socket: 'delta' }, to: { node: 'add', socket: 'deltas' } },
      { id: 'c5', from: { node: 'add', socket: 'latent' }, to: { node: 'gen', socket: 'latent' } },
      { id: 'c6', from: { node: 'gen', socket: 'image' }, to: { node: 'cmp', socket: 'a' } },
      { id: 'c7', from: { node: 'gen', socket: 'image' }, to: { node: 'cmp', socket: 'b' } },
    ],
    packs: [],
    assets: {},
  } as GraphDocument;
}

/** Logical screen size and each frame's compressed data (sub-blocks joined), from the GIF bytes. */
function readGif(b: Uint8Array): { width: number; height: number; frames: Uint8Array[]; loops: boolean } {
  expect(new TextDecoder().decode(b.subarray(0, 6))).toBe('GIF89a');
  const width = b[6]! | (b[7]! << 8);
  const height = b[8]! | (b[9]! << 8);
  let p = 13;
  if (b[10]! & 0x80) p += 3 * (1 << ((b[10]! & 7) + 1));
  const frames: Uint8Array[] = [];
  let loops = false;
  const subBlocks = () => {
    const parts: number[] = [];
    for (let n = b[p++]!; n > 0; n = b[p++]!) {
      parts.push(...b.subarray(p, p + n));
      p += n;
    }
    return Uint8Array.from(parts);
  };
  for (;;) {
    const tag = b[p++];
    if (tag === 0x3b) break; // trailer
    if (tag === 0x21) {
      const label = b[p++];
      const data = subBlocks();
      if (label === 0xff && new TextDecoder().decode(data.subarray(0, 11)) === 'NETSCAPE2.0') loops = true;
    } else if (tag === 0x2c) {
      const packed = b[p + 8]!;
      p += 9;
      if (packed & 0x80) p += 3 * (1 << ((packed & 7) + 1)); // local palette
      p++; // LZW minimum code size
      frames.push(subBlocks());
    } else throw new Error(`unexpected GIF block 0x${tag?.toString(16)} at ${p - 1}`);
  }
  return { width, height, frames, loops };
}

describe('α sweep GIF', () => {
  it('sweeps Scale from α 0 to its value and back, frames from the Generate downstream', async () => {
    const doc = graph(2);
    expect(imageDownstream(doc, 'scale', registry)).toEqual({ node: 'gen', output: 'image' });
    const progress: number[] = [];
    const gif = await sweepGif(executor(), doc, 'scale', registry, { steps: 6 }, (done) => progress.push(done));
    expect(gif).toMatchObject({ frames: 10, label: 'α 0 → 2', imageNode: 'gen' });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    const read = readGif(gif.bytes);
    expect(read.frames).toHaveLength(10);
    expect([read.width, read.height]).toEqual([gif.width, gif.height]);
    expect(read.width).toBeGreaterThanOrEqual(256);
    expect(read.loops).toBe(true);
    // the edit grows: the first (α 0) and the middle (α 2) frames differ; the loop comes back
    expect(Buffer.from(read.frames[0]!).equals(Buffer.from(read.frames[5]!))).toBe(false);
    expect(Buffer.from(read.frames[1]!).equals(Buffer.from(read.frames[9]!))).toBe(true);
    expect(new Set(read.frames.slice(0, 6).map((f) => Buffer.from(f).toString('base64'))).size).toBeGreaterThanOrEqual(
      3,
    );
  });

  it('names what cannot be swept', async () => {
    const doc = graph(1);
    await expect(sweepGif(executor(), doc, 'gen', registry)).rejects.toThrow(
      'only Scale and Aim nodes can be swept, not "generate"',
    );
    await expect(sweepGif(executor(), doc, 'nope', registry)).rejects.toThrow('the graph has no node "nope"');
    const cut = { ...doc, connections: doc.connections.filter((c) => c.id !== 'c4') };
    await expect(sweepGif(executor(), cut, 'scale', registry)).rejects.toThrow(
      'no node downstream of this one makes an image',
    );
  });
});
