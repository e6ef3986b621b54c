// The hostile-input corpus: generated cases (fixed seed) in families — graph JSON, pasted
// fragments, PNG chunks, share links, images, pack manifests, headless reads. Each case is data
// plus the family's entry point; corpus.test.ts runs them all against the real import paths.
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import { crc32, embedGraphInPng, PNG_GRAPH_KEYWORD } from '../../../src/graph/png-metadata';

/** mulberry32: a small seeded PRNG, so every case reproduces from the seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
export type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const int = (r: Rand, n: number) => Math.floor(r() * n);

export type Family = 'graph' | 'paste' | 'png' | 'link' | 'image' | 'manifest' | 'read';
export interface HostileCase {
  family: Family;
  name: string;
  /** graph/paste/manifest: a JSON text or value; png/image: bytes; link: a URL hash; read: a reference */
  input: string | Uint8Array | unknown;
}

// ids, names and strings that have broken things before
export const NASTY_STRINGS = [
  '',
  ' ',
  'constructor',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__proto__',
  'prototype',
  '__defineGetter__',
  '<script>alert(1)</script>',
  '\u202e\u0000\u0007',
  '😀',
  '顔',
  'e\u0301',
  'Z͑ͫ̓ͪ̂',
  'zero\u200dwidth',
  '\ud800',
  'Привет',
  'x'.repeat(129),
  'x'.repeat(5000),
  'asset:__proto__',
  'url:/dev/zero',
  'url:file:///etc/passwd',
  '../../etc/passwd',
  'sample:1',
  'fixture',
  'faceworld',
  'delta-studio/graph',
  'n1',
  'c1',
];
const NASTY_NUMBERS = [0, -0, 1, -1, 0.5, 1e308, -1e308, 2 ** 53, 1e-320, 4294967296, 1e21, 255, 256, 65535, 2 ** 31];
const NODE_TYPES = [
  'load-face',
  'random-face',
  'gan-inversion',
  'synthetic-pair',
  'encode-delta',
  'scale',
  'add',
  'generate',
  'compare',
  'measure',
  'save-image',
  'future-node',
  ...NASTY_STRINGS.slice(0, 8),
];
const SOCKETS = ['image', 'latent', 'pairs', 'delta', 'deltas', 'a', 'b', 'value', '__proto__', 'constructor', ''];

export function randomValue(r: Rand, depth = 0): unknown {
  switch (int(r, depth > 3 ? 6 : 9)) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return pick(r, NASTY_NUMBERS);
    case 3:
      return pick(r, NASTY_STRINGS);
    case 4:
      return Math.round((r() - 0.5) * 2000);
    case 5:
      return String.fromCharCode(...Array.from({ length: 1 + int(r, 12) }, () => int(r, 0xffff)));
    case 6:
      return Array.from({ length: int(r, 4) }, () => randomValue(r, depth + 1));
    case 7:
      return Object.fromEntries(
        Array.from({ length: int(r, 4) }, () => [pick(r, NASTY_STRINGS), randomValue(r, depth + 1)]),
      );
    default: {
      let v: unknown = 1;
      for (let i = 0, n = int(r, 120); i < n; i++) v = r() < 0.5 ? [v] : { d: v };
      return v;
    }
  }
}

function randomNode(r: Rand, id: string): Record<string, unknown> {
  const node: Record<string, unknown> = {
    id,
    type: pick(r, NODE_TYPES),
    params: {},
    position: [pick(r, NASTY_NUMBERS), int(r, 500)],
  };
  const params = node.params as Record<string, unknown>;
  for (let i = 0, n = int(r, 5); i < n; i++)
    params[
      pick(r, ['pack', 'source', 'alpha', 'seed', 'steps', 'filename', 'crop', 'mode', ...NASTY_STRINGS.slice(0, 8)])
    ] = randomValue(r);
  if (r() < 0.2) delete node.position;
  if (r() < 0.1) delete node.params;
  if (r() < 0.15) node[pick(r, NASTY_STRINGS)] = randomValue(r);
  if (r() < 0.05) node.id = randomValue(r);
  return node;
}

function randomWire(r: Rand, ids: string[], k: number): Record<string, unknown> {
  const end = () => ({ node: r() < 0.9 ? pick(r, ids) : pick(r, NASTY_STRINGS), socket: pick(r, SOCKETS) });
  const wire: Record<string, unknown> = {
    id: r() < 0.3 ? '' : r() < 0.1 ? pick(r, NASTY_STRINGS) : `c${k}`,
    from: end(),
    to: end(),
  };
  if (r() < 0.03) wire.from = randomValue(r);
  return wire;
}

/** A graph document shaped like the real thing, with hostile parts. */
export function randomGraph(r: Rand): Record<string, unknown> {
  const n = pick(r, [0, 1, 2, 3, 5, 8, 20, 60]);
  const ids = Array.from({ length: n }, (_, i) => (r() < 0.2 ? pick(r, NASTY_STRINGS) || `n${i}` : `n${i}`));
  const doc: Record<string, unknown> = {
    format: r() < 0.97 ? 'delta-studio/graph' : pick(r, ['delta-studio-graph', 42, null]),
    version: r() < 0.9 ? 1 : pick(r, [0, 2, -1, 1.5, '1', 1e308]),
    name: r() < 0.8 ? pick(r, NASTY_STRINGS) : randomValue(r),
    nodes: ids.map((id) => randomNode(r, id)),
    connections: Array.from({ length: pick(r, [0, 1, 3, 10, 40]) }, (_, k) =>
      randomWire(r, ids.length ? ids : ['x'], k),
    ),
  };
  if (r() < 0.3)
    doc.packs = [
      { id: pick(r, NASTY_STRINGS), sha256: r() < 0.5 ? 'a'.repeat(64) : 'zz', url: pick(r, NASTY_STRINGS) },
    ];
  if (r() < 0.3)
    doc.assets = {
      [pick(r, NASTY_STRINGS)]: {
        mime: pick(r, ['image/png', 'text/html', 'image/svg+xml']),
        data: pick(r, ['iVBORw0KGgo=', '!!!', '']),
      },
    };
  if (r() < 0.1) doc[pick(r, NASTY_STRINGS)] = randomValue(r);
  if (r() < 0.05) doc.nodes = randomValue(r);
  return doc;
}

/** Version 0 layout (nodes keyed by id, links as tuples), hostile too. */
function randomV0(r: Rand): Record<string, unknown> {
  const nodes: Record<string, unknown> = {};
  const ids: string[] = [];
  for (let i = 0, n = int(r, 6); i < n; i++) {
    const id = r() < 0.4 ? pick(r, NASTY_STRINGS) : `n${i}`;
    ids.push(id);
    Object.defineProperty(nodes, id, {
      value: { type: pick(r, NODE_TYPES), params: { alpha: randomValue(r) }, x: pick(r, NASTY_NUMBERS), y: 0 },
      enumerable: true,
      configurable: true,
      writable: true,
    });
  }
  return {
    format: 'delta-studio/graph',
    version: 0,
    title: pick(r, NASTY_STRINGS),
    nodes,
    links: Array.from({ length: int(r, 5) }, () => [
      pick(r, ids.length ? ids : ['x']),
      'out',
      pick(r, ids.length ? ids : ['x']),
      pick(r, SOCKETS),
    ]),
  };
}

/** A structurally interesting shape: cycles, rings, fan-ins, self-loops, big id-less wire lists. */
function shapedGraph(r: Rand): Record<string, unknown> {
  const n = pick(r, [2, 10, 100, 1000, 3000]);
  const type = pick(r, ['scale', 'future-node', 'add']);
  const nodes = Array.from({ length: n }, (_, i) => ({ id: `n${i}`, type, params: {}, position: [i, 0] }));
  const conns: unknown[] = [];
  const shape = int(r, 4);
  for (let i = 0; i < n; i++) {
    if (shape === 0)
      conns.push({
        id: '',
        from: { node: `n${i}`, socket: 'delta' },
        to: { node: `n${(i + 1) % n}`, socket: 'delta' },
      });
    if (shape === 1)
      conns.push({ from: { node: `n${i}`, socket: `o${i}` }, to: { node: `n${i ^ 1}`, socket: `i${i}` } });
    if (shape === 2)
      conns.push({ id: 'dup', from: { node: `n${i}`, socket: 'delta' }, to: { node: `n${i}`, socket: 'delta' } });
    if (shape === 3)
      for (let d = 1; d <= 3; d++)
        conns.push({
          id: `c${i}-${d}`,
          from: { node: `n${i}`, socket: 'o' },
          to: { node: `n${(i * 7 + d) % n}`, socket: `i${d}` },
        });
  }
  if (r() < 0.5) conns.reverse();
  return { format: 'delta-studio/graph', version: 1, name: 'shape', nodes, connections: conns };
}

/** Text-level damage: truncation, byte noise, wrong JSON. */
function damagedText(r: Rand, text: string): string {
  switch (int(r, 5)) {
    case 0:
      return text.slice(0, int(r, text.length));
    case 1: {
      const chars = [...text];
      for (let i = 0, n = 1 + int(r, 5); i < n; i++)
        chars[int(r, chars.length)] = pick(r, ['{', '}', '"', '\u0000', ',', ']', 'x']);
      return chars.join('');
    }
    case 2:
      return text.replace(/1/g, '1e999');
    case 3:
      return '\uFEFF' + text;
    default:
      return pick(r, [
        '',
        'null',
        '[]',
        '"x"',
        '{}',
        '{"format":"delta-studio/graph"}',
        'NaN',
        '{"__proto__":{"polluted":1}}',
      ]);
  }
}

export function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out, 4, 8 + data.length));
  return out;
}
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
export const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
export function ihdr(w: number, h: number, depth: number, colour: number, interlace = 0): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, w >>> 0);
  v.setUint32(4, h >>> 0);
  d.set([depth, colour, 0, 0, interlace], 8);
  return chunk('IHDR', d);
}
const IEND = () => chunk('IEND', new Uint8Array(0));
const ascii = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff);

/** A small real PNG (RGB, w×h) with the given extra chunks before IEND. */
function smallPng(r: Rand, w: number, h: number, extra: Uint8Array[] = []): Uint8Array {
  const raw = new Uint8Array((w * 3 + 1) * h).map((_, i) => (i % (w * 3 + 1) === 0 ? 0 : int(r, 256)));
  return concat(SIGNATURE, ihdr(w, h, 8, 2), chunk('IDAT', zlib(raw)), ...extra, IEND());
}
const zlib = (raw: Uint8Array): Uint8Array => new Uint8Array(deflateSync(raw));
const deflateRaw = (raw: Uint8Array, level = 6): Uint8Array => new Uint8Array(deflateRawSync(raw, { level }));

function textChunk(r: Rand, text: string): Uint8Array {
  const kw = ascii(pick(r, [PNG_GRAPH_KEYWORD, PNG_GRAPH_KEYWORD, 'delta-studio/graph', 'Comment', '']));
  const body = new TextEncoder().encode(text);
  switch (int(r, 4)) {
    case 0:
      return chunk('tEXt', concat(kw, Uint8Array.of(0), body));
    case 1:
      return chunk('zTXt', concat(kw, Uint8Array.of(0, pick(r, [0, 0, 1])), zlib(body)));
    case 2:
      return chunk(
        'iTXt',
        concat(kw, Uint8Array.of(0, 1, 0), ascii('en'), Uint8Array.of(0, 0), r() < 0.8 ? zlib(body) : body),
      );
    default:
      return chunk(
        'iTXt',
        concat(
          kw,
          Uint8Array.of(0, pick(r, [0, 2, 255]), 0),
          r() < 0.5 ? Uint8Array.of(0, 0) : new Uint8Array(0),
          body,
        ),
      );
  }
}

/**
 * A zlib stream of `mib` MiB of zeros in about `mib` KB: one sync-flushed deflate block of 1 MiB
 * (it ends byte-aligned), repeated, then an empty final block. Built in milliseconds.
 */
export function zlibBomb(mib: number): Uint8Array {
  const block = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const parts: Uint8Array[] = [Uint8Array.of(0x78, 0xda)];
  for (let i = 0; i < mib; i++) parts.push(block);
  parts.push(Uint8Array.of(0x03, 0x00), Uint8Array.of(0, 0, 0, 1));
  return concat(...parts);
}

function randomPng(r: Rand, graphText: string): Uint8Array {
  const base = () => smallPng(r, 1 + int(r, 6), 1 + int(r, 6));
  switch (int(r, 7)) {
    case 0:
      return embedGraphInPng(base(), graphText);
    case 1:
      return smallPng(r, 2, 2, [textChunk(r, graphText)]);
    case 2: {
      const good = embedGraphInPng(base(), graphText);
      const bad = good.slice();
      for (let i = 0, n = 1 + int(r, 4); i < n; i++) bad[8 + int(r, bad.length - 8)] ^= 1 << int(r, 8);
      return bad;
    }
    case 3: {
      const good = embedGraphInPng(base(), graphText);
      return good.slice(0, int(r, good.length));
    }
    case 4: {
      const kw = ascii(PNG_GRAPH_KEYWORD);
      const bomb = zlibBomb(pick(r, [16, 24, 40]));
      return smallPng(r, 1, 1, [
        chunk(
          pick(r, ['iTXt', 'zTXt']),
          r() < 0.5 ? concat(kw, Uint8Array.of(0, 1, 0, 0, 0), bomb) : concat(kw, Uint8Array.of(0, 0), bomb),
        ),
      ]);
    }
    case 5: {
      // a chunk whose length field runs past the end, or an absurd length
      const p = base();
      const view = new DataView(p.buffer, p.byteOffset);
      view.setUint32(8, pick(r, [0xffffffff, 0x7fffffff, p.length, 12]));
      return p;
    }
    default:
      return concat(
        SIGNATURE,
        ...Array.from({ length: 1 + int(r, 4) }, () =>
          chunk(
            pick(r, ['tEXt', 'iTXt', 'zTXt', 'IDAT', 'abcd']),
            Uint8Array.from({ length: int(r, 64) }, () => int(r, 256)),
          ),
        ),
        IEND(),
      );
  }
}

function randomImage(r: Rand): Uint8Array {
  const dims = () => pick(r, [0, 1, 2, 31, 64, 4096, 16_385, 20_000, 65_535, 0x7fffffff, 0xffffffff]);
  switch (int(r, 8)) {
    case 0:
      return smallPng(r, 1 + int(r, 8), 1 + int(r, 8));
    case 1:
      return concat(
        SIGNATURE,
        ihdr(dims(), dims(), pick(r, [1, 2, 4, 8, 16, 3, 0]), pick(r, [0, 2, 3, 4, 6, 1, 7]), int(r, 3)),
        chunk('IDAT', zlib(new Uint8Array(int(r, 300)))),
        IEND(),
      );
    case 2: {
      const w = dims();
      const h = dims();
      return Uint8Array.of(
        0xff,
        0xd8,
        0xff,
        pick(r, [0xc0, 0xc2, 0xc1]),
        0,
        11,
        8,
        h >> 8,
        h & 255,
        w >> 8,
        w & 255,
        1,
        1,
        0x11,
        0,
        ...Array.from({ length: int(r, 40) }, () => int(r, 256)),
      );
    }
    case 3: {
      const p = smallPng(r, 4, 4);
      const bad = p.slice();
      bad[8 + int(r, bad.length - 8)] = int(r, 256);
      return r() < 0.5 ? bad : p.slice(0, int(r, p.length));
    }
    case 4:
      return concat(
        ascii(pick(r, ['GIF89a', 'GIF87a', 'RIFF', 'BM'])),
        Uint8Array.from({ length: 30 }, () => int(r, 256)),
      );
    case 5:
      return Uint8Array.from({ length: int(r, 200) }, () => int(r, 256));
    case 6:
      return Uint8Array.of(
        0xff,
        0xd8,
        ...Array.from({ length: int(r, 60) }, () => pick(r, [0xff, 0xc0, 0xd9, 0xda, 0x00, 0x02, int(r, 256)])),
      );
    default: {
      // a valid small PNG whose image data inflates far past its size, or an iCCP bomb
      const kw = ascii('icc');
      return r() < 0.5
        ? concat(SIGNATURE, ihdr(4, 4, 8, 2), chunk('IDAT', zlibBomb(8)), IEND())
        : smallPng(r, 2, 2, [chunk('iCCP', concat(kw, Uint8Array.of(0, 0), zlibBomb(16)))]);
    }
  }
}

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomLink(r: Rand, graphText: string): string {
  switch (int(r, 6)) {
    case 0:
      return '#graph=' + toBase64Url(deflateRaw(new TextEncoder().encode(graphText)));
    case 1:
      return '#graph=' + toBase64Url(deflateRaw(new Uint8Array(pick(r, [2, 4, 8]) << 20).fill(32), 9));
    case 2:
      return (
        '#graph=' +
        Array.from({ length: int(r, 200) }, () => pick(r, ['A', 'b', '-', '_', '9', '+', '/', '=', '%', ' '])).join('')
      );
    case 3:
      return pick(r, ['#graph=', '#graph', '#', '', 'graph=abc', '#graph=' + 'A'.repeat(9000)]);
    case 4:
      return '#graph=' + toBase64Url(Uint8Array.from({ length: int(r, 300) }, () => int(r, 256)));
    default:
      return '#graph=' + toBase64Url(deflateRaw(new TextEncoder().encode(damagedText(r, graphText))));
  }
}

function randomManifest(r: Rand, fixture: Record<string, unknown>): unknown {
  const m = JSON.parse(JSON.stringify(fixture)) as Record<string, any>;
  switch (int(r, 5)) {
    case 0:
      m.models.generator.file = pick(r, [
        'https://other.host/g.onnx',
        '%2e%2e/x',
        'sub/../../x',
        '/etc/passwd',
        'C:\\x',
        '',
        '..',
        'a//b',
        'ok.onnx',
        '\u0000.onnx',
        'x'.repeat(300),
      ]);
      break;
    case 1:
      m.models[pick(r, NASTY_STRINGS) || 'extra'] = randomValue(r);
      break;
    case 2:
      m[pick(r, ['id', 'latent', 'image', 'models', 'format', 'version'])] = randomValue(r);
      break;
    case 3:
      if (m.models.generator.variants === undefined)
        m.models.generator.variants = {
          [pick(r, NASTY_STRINGS)]: { file: pick(r, ['../v.onnx', 'v.onnx', 'http://x/v']), sha256: 'a'.repeat(64) },
        };
      break;
    default:
      return randomValue(r);
  }
  return m;
}

const READ_REFS = [
  '/dev/zero',
  '/dev/urandom',
  '/etc/passwd',
  '/etc/shadow',
  '/proc/self/environ',
  '/proc/self/mem',
  'file:///etc/passwd',
  'file:///dev/zero',
  '../../../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '~/.ssh/id_rsa',
  'http://127.0.0.1:1/',
  'http://localhost/',
  'http://[::1]/',
  'http://169.254.169.254/latest/meta-data/',
  'http://10.0.0.1/',
  'http://2130706433/',
  'http://0x7f000001/',
  'https://example.com/face.png',
  'ftp://example.com/x',
  'data:image/png;base64,AAAA',
  'javascript:alert(1)',
  'file://evil.host/share/x.png',
  '\u0000',
  '',
  'face.png',
  'C:\\Windows\\x.png',
  '/sys/kernel/notes',
];

/** The whole corpus: `count` cases per family, from `seed`. `fixtureManifest` is a valid pack manifest to mutate. */
export function buildCorpus(
  seed: number,
  count: Record<Family, number>,
  fixtureManifest: Record<string, unknown>,
): HostileCase[] {
  const r = prng(seed);
  const cases: HostileCase[] = [];
  for (let i = 0; i < count.graph; i++) {
    const kind = int(r, 4);
    const doc = kind === 0 ? randomV0(r) : kind === 1 ? shapedGraph(r) : randomGraph(r);
    const text = JSON.stringify(doc);
    cases.push({ family: 'graph', name: `graph #${i}`, input: kind === 3 ? damagedText(r, text) : text });
  }
  for (let i = 0; i < count.paste; i++) {
    const g = randomGraph(r);
    const fragment: Record<string, unknown> = {
      kind: r() < 0.95 ? 'delta-studio/fragment' : 'other',
      nodes: g.nodes,
      connections: g.connections,
    };
    if (r() < 0.5) fragment.assets = g.assets ?? randomValue(r);
    cases.push({ family: 'paste', name: `paste #${i}`, input: fragment });
  }
  for (let i = 0; i < count.png; i++)
    cases.push({ family: 'png', name: `png #${i}`, input: randomPng(r, JSON.stringify(randomGraph(r))) });
  for (let i = 0; i < count.link; i++)
    cases.push({ family: 'link', name: `link #${i}`, input: randomLink(r, JSON.stringify(randomGraph(r))) });
  for (let i = 0; i < count.image; i++) cases.push({ family: 'image', name: `image #${i}`, input: randomImage(r) });
  for (let i = 0; i < count.manifest; i++)
    cases.push({ family: 'manifest', name: `manifest #${i}`, input: randomManifest(r, fixtureManifest) });
  for (let i = 0; i < count.read; i++)
    cases.push({
      family: 'read',
      name: `read #${i}`,
      input:
        i < READ_REFS.length
          ? READ_REFS[i]
          : pick(r, READ_REFS) + (r() < 0.5 ? '' : pick(r, ['/', '/../x', '%00', '?a=1'])),
    });
  return cases;
}
