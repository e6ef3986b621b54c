import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { decode, encode as encodePng } from 'fast-png';
import { deflateSync, strToU8, zlibSync } from 'fflate';
import { crc32, embedGraphInPng, readGraphFromPng, readPngChunks } from '../../../src/graph/png-metadata';
import { decodeGraphFromFragment, encodeGraphToFragment, MAX_SHARE_FRAGMENT } from '../../../src/graph/share-url';
import { parseGraphFile, serializeGraph, type GraphDocument } from '../../../src/graph/document';
import { testRegistry } from './test-registry';

const fixturePath = (name: string) => fileURLToPath(new URL(`../../fixtures/graphs/${name}`, import.meta.url));
const plainPng = () => new Uint8Array(readFileSync(fixturePath('plain.png')));
function validDoc(): GraphDocument {
  const r = parseGraphFile(readFileSync(fixturePath('valid.dge.json'), 'utf8'), testRegistry);
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.doc;
}

describe('PNG metadata', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(strToU8('123456789'))).toBe(0xcbf43926);
  });

  it('embeds a graph in a real PNG and reads it back; the image still decodes identically', () => {
    const png = plainPng();
    expect(readGraphFromPng(png)).toBeNull();
    const json = serializeGraph({ ...validDoc(), name: 'Smile + turn — ünïcødé ✓' });
    const withGraph = embedGraphInPng(png, json);
    expect(readGraphFromPng(withGraph)).toBe(json);
    const chunkTypes = readPngChunks(withGraph).map((c) => c.type); // also checks every CRC
    expect(chunkTypes.slice(-2)).toEqual(['iTXt', 'IEND']);
    const before = decode(png);
    const after = decode(withGraph);
    expect(after.width).toBe(24);
    expect(Array.from(after.data)).toEqual(Array.from(before.data));
    expect(after.text.Software).toBe('Delta Studio test fixture'); // other metadata is kept
    const loaded = parseGraphFile(readGraphFromPng(withGraph)!, testRegistry);
    expect(loaded.ok && loaded.doc.name).toBe('Smile + turn — ünïcødé ✓');
  });

  it('re-embedding replaces the earlier graph instead of stacking them', () => {
    const once = embedGraphInPng(plainPng(), '{"a":1}');
    const twice = embedGraphInPng(once, '{"a":2}');
    expect(readGraphFromPng(twice)).toBe('{"a":2}');
    expect(readPngChunks(twice).filter((c) => c.type === 'iTXt')).toHaveLength(1);
  });

  it('reads a graph from a plain tEXt chunk written by another tool (fast-png)', () => {
    const json = '{"format":"delta-studio/graph"}';
    const png = decode(plainPng());
    const other = fast(png.width, png.height, png.data as Uint8Array, { 'delta-studio-graph': json });
    expect(readGraphFromPng(other)).toBe(json);
  });

  it('refuses bytes that are not a PNG, a truncated PNG and a corrupted chunk', () => {
    expect(() => readGraphFromPng(strToU8('{"not":"png"}'))).toThrow('not a PNG file');
    const png = embedGraphInPng(plainPng(), '{"a":1}');
    expect(() => readGraphFromPng(png.subarray(0, png.length - 20))).toThrow(/PNG is truncated/);
    const bad = png.slice();
    bad[bad.length - 20] ^= 0xff; // flip a byte inside the iTXt data
    expect(() => readGraphFromPng(bad)).toThrow(/CRC mismatch in chunk iTXt/);
  });

  it('refuses a compressed chunk that would expand past the size limit', () => {
    const bomb = zlibSync(new Uint8Array(30 * 1024 * 1024), { level: 9 });
    const kw = strToU8('delta-studio-graph');
    const data = new Uint8Array(kw.length + 5 + bomb.length);
    data.set(kw);
    data.set([0, 1, 0, 0, 0], kw.length);
    data.set(bomb, kw.length + 5);
    const png = plainPng();
    const iend = png.length - 12;
    const chunk = new Uint8Array(12 + data.length);
    const view = new DataView(chunk.buffer);
    view.setUint32(0, data.length);
    chunk.set(strToU8('iTXt'), 4);
    chunk.set(data, 8);
    view.setUint32(8 + data.length, crc32(chunk, 4, 8 + data.length));
    const out = new Uint8Array(png.length + chunk.length);
    out.set(png.subarray(0, iend));
    out.set(chunk, iend);
    out.set(png.subarray(iend), iend + chunk.length);
    expect(() => readGraphFromPng(out)).toThrow(/expands past 20 MB/);
  });
});

function fast(width: number, height: number, data: Uint8Array, text: Record<string, string>): Uint8Array {
  // fast-png writes its text as tEXt chunks
  return encodePng({ width, height, data, channels: 4, depth: 8, text });
}
describe('share URL', () => {
  it('round-trips a small graph through the URL fragment with the same validation', () => {
    const doc = validDoc();
    const enc = encodeGraphToFragment(doc);
    expect(enc.ok).toBe(true);
    if (!enc.ok) return;
    expect(enc.fragment).toMatch(/^#graph=[A-Za-z0-9_-]+$/);
    const dec = decodeGraphFromFragment(enc.fragment, testRegistry);
    expect(dec.ok).toBe(true);
    if (dec.ok) expect(dec.doc).toEqual(doc);
    // also without the leading '#', as location.hash.slice(1) gives it
    expect(decodeGraphFromFragment(enc.fragment.slice(1), testRegistry).ok).toBe(true);
  });

  it('refuses a graph too big for a link, saying why', () => {
    const doc = validDoc();
    // incompressible bytes, as an embedded photo would be
    let seed = 1;
    const noise = Array.from({ length: 12000 }, () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0x3f);
    doc.assets = {
      face: {
        mime: 'image/png',
        data: noise.map((n) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'[n]).join(''),
      },
    };
    const enc = encodeGraphToFragment(doc);
    expect(enc.ok).toBe(false);
    if (!enc.ok)
      expect(enc.error).toMatch(
        /too big for a link: [\d.]+ KB of the 8 KB limit \(it carries 1 embedded image\); export it as a file instead/,
      );
  });

  it('refuses damaged, oversize and hostile links with a message', () => {
    expect(decodeGraphFromFragment('#graph=@@@', testRegistry)).toEqual({
      ok: false,
      errors: ['link: cannot decode the graph: the link is damaged (unexpected characters in the graph data)'],
    });
    const notDeflate = decodeGraphFromFragment('#graph=AAAA', testRegistry);
    expect(notDeflate.ok).toBe(false);
    expect(decodeGraphFromFragment('#other=1', testRegistry).ok).toBe(false);
    expect(decodeGraphFromFragment('#graph=' + 'A'.repeat(MAX_SHARE_FRAGMENT + 1), testRegistry).ok).toBe(false);
    // a tiny link that inflates to 5 MB is refused
    const bomb = deflateSync(new Uint8Array(5 * 1024 * 1024).fill(32), { level: 9 });
    const b64 = btoa(String.fromCharCode(...bomb))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    const r = decodeGraphFromFragment('#graph=' + b64, testRegistry);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors[0]).toMatch(/^link: /);
    // a decodable link carrying an invalid graph gets the file validator's message
    const wrong = deflateSync(strToU8(JSON.stringify({ format: 'delta-studio/graph', version: 1, nodes: 'x' })));
    const w64 = btoa(String.fromCharCode(...wrong))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    expect(decodeGraphFromFragment('#graph=' + w64, testRegistry)).toEqual({
      ok: false,
      errors: ['nodes: expected array, got string "x"'],
    });
  });
});
