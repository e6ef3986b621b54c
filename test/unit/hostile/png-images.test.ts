// Limits before work (issue: hostile inputs, failures 3, 6, 8, 9): PNG text chunks inflate with a
// byte budget checked while streaming; images are refused from their header before decoding;
// decoder failures name the problem; UTF-8 text and the shared keyword work both ways.
import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { chunk, concat, ihdr, SIGNATURE, zlibBomb } from './corpus';
import { embedGraphInPng, PNG_GRAPH_KEYWORD, readGraphFromPng } from '../../../src/graph/png-metadata';
import { decodeGraphFromFragment } from '../../../src/graph/share-url';
import { decodeImageNode } from '../../../src/workers/node/context';
import { checkImageHeader } from '../../../src/image';
import { testRegistry } from '../graph/test-registry';

/** A PNG with the given header, image data and extra chunks before IEND. */
function png(width: number, height: number, idat: Uint8Array, ...extra: Uint8Array[]): Uint8Array {
  return concat(SIGNATURE, ihdr(width, height, 8, 2), chunk('IDAT', idat), ...extra, chunk('IEND', new Uint8Array(0)));
}
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

const tinyPng = () => encode({ width: 2, height: 2, data: new Uint8Array(16).fill(200), channels: 4 });
const memory = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;

describe('text chunks inflate with a byte budget', () => {
  it.each(['iTXt', 'zTXt'])(
    'a 1 MB %s that inflates to 1 GiB is refused while streaming, fast and without the memory',
    (type) => {
      const bomb = zlibBomb(1024);
      expect(bomb.length).toBeLessThan(1.5e6);
      const kw = latin1(PNG_GRAPH_KEYWORD);
      const header = type === 'iTXt' ? Uint8Array.of(0, 1, 0, 0, 0) : Uint8Array.of(0, 0);
      const file = png(1, 1, deflateSync(Uint8Array.of(0, 0, 0, 0)), chunk(type, concat(kw, header, bomb)));
      const m0 = memory();
      const t0 = performance.now();
      expect(() => readGraphFromPng(file)).toThrow(new RegExp(`${type} chunk\\) expands past 20 MB`));
      expect(performance.now() - t0).toBeLessThan(3000);
      expect(memory() - m0).toBeLessThan(200 * 1024 * 1024);
    },
  );

  it('a damaged compressed chunk names the chunk', () => {
    const file = png(
      1,
      1,
      deflateSync(Uint8Array.of(0, 0, 0, 0)),
      chunk(
        'iTXt',
        concat(latin1(PNG_GRAPH_KEYWORD), Uint8Array.of(0, 1, 0, 0, 0), Uint8Array.of(0x78, 0xda, 0xff, 0xff)),
      ),
    );
    expect(() => readGraphFromPng(file)).toThrow(/PNG iTXt chunk is corrupt/);
  });

  it('an empty #graph= link says it carries no graph', () => {
    expect(decodeGraphFromFragment('#graph=', testRegistry)).toEqual({
      ok: false,
      errors: ['link: it carries no graph (nothing follows "#graph=")'],
    });
  });
});

describe('UTF-8 text and one keyword, both ways', () => {
  const text = JSON.stringify({ name: '😀 顔 \u202e عربى Z͑ͫ e\u0301 Привет' });
  it('iTXt round trip keeps every character', () => {
    expect(readGraphFromPng(embedGraphInPng(tinyPng(), text))).toBe(text);
  });
  it('a tEXt chunk holding UTF-8 under the old headless keyword reads as UTF-8', () => {
    const file = png(
      1,
      1,
      deflateSync(Uint8Array.of(0, 0, 0, 0)),
      chunk('tEXt', concat(latin1('delta-studio/graph'), Uint8Array.of(0), new TextEncoder().encode(text))),
    );
    expect(readGraphFromPng(file)).toBe(text);
  });
  it('Latin-1 tEXt still reads as Latin-1', () => {
    const file = png(
      1,
      1,
      deflateSync(Uint8Array.of(0, 0, 0, 0)),
      chunk('tEXt', concat(latin1(PNG_GRAPH_KEYWORD), Uint8Array.of(0), latin1('{"name":"caf\u00e9"}'))),
    );
    expect(readGraphFromPng(file)).toBe('{"name":"café"}');
  });
});

describe('images are refused from their header, before decoding', () => {
  it('a 20000×20000 PNG of a few bytes is refused at once', async () => {
    const t0 = performance.now();
    await expect(decodeImageNode(png(20_000, 20_000, deflateSync(new Uint8Array(10))))).rejects.toThrow(
      /the PNG is 20000×20000 pixels \(400\.0 MP\), too large.*refused before decoding/,
    );
    expect(performance.now() - t0).toBeLessThan(500);
  });

  it('an 8000×8000 JPEG is refused from its frame header', async () => {
    const sof = Uint8Array.of(
      0xff,
      0xd8,
      0xff,
      0xe0,
      0,
      4,
      0,
      0,
      0xff,
      0xc0,
      0,
      17,
      8,
      0x1f,
      0x40,
      0x1f,
      0x40,
      3,
      1,
      0x22,
      0,
      2,
      0x11,
      1,
      3,
      0x11,
      1,
      0xff,
      0xd9,
    );
    await expect(decodeImageNode(sof)).rejects.toThrow(/the JPEG is 8000×8000 pixels \(64\.0 MP\), too large/);
  });

  it.each([
    [
      'a 0-pixel-wide PNG',
      () => png(0, 32, deflateSync(new Uint8Array(32))),
      /the PNG is 0×32 pixels; an image needs at least 1×1/,
    ],
    [
      'a 0-pixel-wide JPEG',
      () => Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 32, 0, 0, 1, 1, 0x11, 0),
      /the JPEG is 0×32 pixels; an image needs at least 1×1/,
    ],
    [
      'a PNG with a broken filter byte',
      () => png(4, 4, deflateSync(new Uint8Array(4 * 13).fill(9))),
      /the PNG is damaged and cannot be decoded/,
    ],
    [
      'a PNG with too little pixel data',
      () => png(64, 64, deflateSync(new Uint8Array(10))),
      /the PNG is damaged and cannot be decoded/,
    ],
    [
      'a JPEG cut after its header',
      () => Uint8Array.of(0xff, 0xd8, 0xff, 0xc0, 0, 11, 8, 0, 8, 0, 8, 1, 1, 0x11, 0),
      /the JPEG is damaged and cannot be decoded/,
    ],
    [
      'a PNG whose image data inflates far past its size',
      () => png(8, 8, zlibBomb(64)),
      /the PNG is damaged and cannot be decoded \(its image data inflates past the 8×8/,
    ],
    [
      'a GIF (not read headless)',
      () => Uint8Array.of(...latin1('GIF89a'), 1, 0, 1, 0, 0, 0, 0),
      /unsupported image format GIF/,
    ],
    [
      'random bytes',
      () => Uint8Array.of(1, 2, 3, 4, 5),
      /unsupported image format: expected PNG, JPEG, GIF, WebP or BMP/,
    ],
  ])('%s: a message that names the problem', async (_what, make, message) => {
    await expect(decodeImageNode(make())).rejects.toThrow(message);
  });

  it('an iCCP bomb inside a face PNG never reaches the decoder', async () => {
    const good = encode({ width: 2, height: 2, data: new Uint8Array(16).fill(100), channels: 4 });
    const iccp = chunk('iCCP', concat(latin1('icc'), Uint8Array.of(0, 0), zlibBomb(512)));
    const withBomb = concat(good.subarray(0, good.length - 12), iccp, good.subarray(good.length - 12));
    const m0 = memory();
    const img = await decodeImageNode(withBomb);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(memory() - m0).toBeLessThan(200 * 1024 * 1024);
  });

  it('reads sizes of the formats the browser decodes', () => {
    expect(checkImageHeader(Uint8Array.of(...latin1('GIF89a'), 7, 0, 5, 0, 0, 0, 0))).toEqual({
      format: 'gif',
      width: 7,
      height: 5,
    });
    const bmp = new Uint8Array(26);
    bmp.set(latin1('BM'));
    new DataView(bmp.buffer).setInt32(18, 640, true);
    new DataView(bmp.buffer).setInt32(22, -480, true);
    expect(checkImageHeader(bmp)).toEqual({ format: 'bmp', width: 640, height: 480 });
  });
});
