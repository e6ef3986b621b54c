// FaceWorld command line: training data sets, attribute sequences and contact sheets.
//   npm run faceworld -- dataset   --style photo|cgi --count N --size S --seed X --out DIR [--workers W (default: one per core)] [--test-fraction F] [--framing frame|face]
//   npm run faceworld -- sequences --style cgi --attribute smile [--from a --to b] --steps n --count K --size S --seed X --out DIR [--others neutral|random] [--framing frame|face]
//   (--framing face: each image cut around its eyes, brows and mouth, src/synth/framing.ts; default frame, the whole head)
//   npm run faceworld -- sheet     --attribute smile|--all --style cgi|photo|both --rows R --cols C --size S --seed X --out FILE.png|DIR
//   npm run faceworld -- render    --style photo --size S --identity-seed X [--set name=value ...] --out FILE.png
//   npm run faceworld -- masks     --data DIR   (adds masks.npy: per image, the coverage of the expression features)
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
import { encode } from 'fast-png';
import {
  ATTRIBUTES,
  HAIR_STYLES,
  IDENTITY_PARAMS,
  neutralAttributes,
  render,
  sampleAttributes,
  sampleIdentity,
  validateAttributes,
  type AttributeName,
  type Attributes,
  type Identity,
  type RenderStyle,
} from '../src/synth/index';
import { encodeNpy, npyHeader } from '../src/synth/npy';
import { hash2 } from '../src/synth/noise';
import { RenderPool } from '../src/synth/node/pool';
import { FRAMINGS, framedFeatures, type Framing } from '../src/synth/framing';
import type { RenderJob } from '../src/synth/node/render-worker';

type Args = Record<string, string | true | string[]>;

function parseArgs(argv: string[]): { command: string; args: Args } {
  const [command = 'help', ...rest] = argv;
  const args: Args = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}" (options look like --name value)`);
    const key = a.slice(2);
    const next = rest[i + 1];
    const value: string | true = next === undefined || next.startsWith('--') ? true : (i++, next);
    if (key === 'set') {
      const list = (args.set as string[] | undefined) ?? [];
      if (value === true) throw new Error('--set needs name=value');
      list.push(value);
      args.set = list;
    } else args[key] = value;
  }
  return { command, args };
}

function num(
  args: Args,
  name: string,
  fallback?: number,
  opts: { min?: number; max?: number; integer?: boolean } = {},
): number {
  const raw = args[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  const v = Number(raw);
  if (raw === true || !Number.isFinite(v))
    throw new Error(`--${name}: expected a number, got ${raw === true ? 'nothing' : JSON.stringify(raw)}`);
  if (opts.integer && !Number.isInteger(v)) throw new Error(`--${name}: expected a whole number, got ${v}`);
  if (opts.min !== undefined && v < opts.min) throw new Error(`--${name}: ${v} is below the minimum ${opts.min}`);
  if (opts.max !== undefined && v > opts.max) throw new Error(`--${name}: ${v} is above the maximum ${opts.max}`);
  return v;
}

function str(args: Args, name: string, fallback?: string): string {
  const raw = args[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new Error(`--${name} is required`);
    return fallback;
  }
  if (typeof raw !== 'string') throw new Error(`--${name}: expected a value`);
  return raw;
}

function framingOf(args: Args): Framing {
  const f = str(args, 'framing', 'frame');
  if (!(FRAMINGS as readonly string[]).includes(f))
    throw new Error(`--framing: expected ${FRAMINGS.join(' or ')}, got "${f}"`);
  return f as Framing;
}

function style(args: Args, fallback: RenderStyle): RenderStyle {
  const s = str(args, 'style', fallback);
  if (s !== 'cgi' && s !== 'photo') throw new Error(`--style: expected cgi or photo, got "${s}"`);
  return s;
}

function attributeSpec(name: string) {
  const spec = ATTRIBUTES.find((a) => a.name === name);
  if (!spec)
    throw new Error(`--attribute: unknown attribute "${name}" (one of ${ATTRIBUTES.map((a) => a.name).join(', ')})`);
  return spec;
}

/** A derived 31-bit seed for item i, stream k of a run seeded with `seed`. */
function subSeed(seed: number, i: number, k: number): number {
  return Math.floor(hash2(i, k, seed) * 2147483647);
}

function identityVector(id: Identity): number[] {
  return IDENTITY_PARAMS.map((p) => id[p.name]);
}
function attributeVector(a: Attributes): number[] {
  return ATTRIBUTES.map((s) => a[s.name]);
}

function paramMeta() {
  return {
    attributes: ATTRIBUTES.map((a) => ({ ...a })),
    identity: IDENTITY_PARAMS.map((p) => ({ ...p })),
    hairStyles: [...HAIR_STYLES],
  };
}

/** A grid of RGB tiles as one PNG. */
function sheetPng(tiles: Uint8Array[], size: number, cols: number, gap = 2): Uint8Array {
  const rows = Math.ceil(tiles.length / cols);
  const W = cols * size + (cols - 1) * gap,
    H = rows * size + (rows - 1) * gap;
  const data = new Uint8Array(W * H * 3).fill(255);
  tiles.forEach((t, k) => {
    const ox = (k % cols) * (size + gap),
      oy = Math.floor(k / cols) * (size + gap);
    for (let y = 0; y < size; y++) data.set(t.subarray(y * size * 3, (y + 1) * size * 3), ((oy + y) * W + ox) * 3);
  });
  return encode({ width: W, height: H, data, channels: 3 });
}

function rgbOf(img: { data: Uint8ClampedArray }): Uint8Array {
  const out = new Uint8Array((img.data.length / 4) * 3);
  for (let s = 0, d = 0; s < img.data.length; s += 4) {
    out[d++] = img.data[s];
    out[d++] = img.data[s + 1];
    out[d++] = img.data[s + 2];
  }
  return out;
}

async function renderAll(
  jobs: RenderJob[],
  workers: number,
  onImage: (index: number, rgb: Uint8Array, batchFirst: number, batchRgb: Uint8Array) => void,
  label: string,
): Promise<void> {
  const pool = new RenderPool(workers);
  const t0 = performance.now();
  let done = 0,
    lastLog = 0;
  try {
    await pool.run(jobs, 32, (reply) => {
      const bytes = reply.indices.length ? reply.rgb.length / reply.indices.length : 0;
      onImage(reply.indices[0], reply.rgb.subarray(0, bytes), reply.indices[0], reply.rgb);
      done += reply.indices.length;
      const now = performance.now();
      if (now - lastLog > 5000 || done === jobs.length) {
        lastLog = now;
        const rate = done / ((now - t0) / 1000);
        process.stderr.write(`${label}: ${done}/${jobs.length} images, ${rate.toFixed(1)} images/s\n`);
      }
    });
  } finally {
    await pool.close();
  }
}

async function dataset(args: Args): Promise<void> {
  const st = style(args, 'photo');
  const count = num(args, 'count', undefined, { min: 1, integer: true });
  const size = num(args, 'size', 64, { min: 32, max: 512, integer: true });
  const seed = num(args, 'seed', 0, { integer: true });
  const out = str(args, 'out');
  const workers = num(args, 'workers', availableParallelism(), { min: 1, max: 64, integer: true });
  const testFraction = num(args, 'test-fraction', 0.1, { min: 0, max: 1 });
  const framing = framingOf(args);
  mkdirSync(out, { recursive: true });
  const A = ATTRIBUTES.length,
    I = IDENTITY_PARAMS.length;
  const attrs = new Float32Array(count * A),
    ident = new Float32Array(count * I);
  const jobs: RenderJob[] = [];
  const lines: string[] = [];
  const test: number[] = [];
  for (let i = 0; i < count; i++) {
    const identitySeed = subSeed(seed, i, 1),
      attributeSeed = subSeed(seed, i, 2),
      renderSeed = subSeed(seed, i, 3);
    const identity = sampleIdentity(identitySeed);
    const attributes = sampleAttributes(attributeSeed);
    // the split depends only on the run seed and the index, so it is stable when N grows
    const split = hash2(i, 99, seed) < testFraction ? 'test' : 'train';
    if (split === 'test') test.push(i);
    attrs.set(attributeVector(attributes), i * A);
    ident.set(identityVector(identity), i * I);
    jobs.push({ index: i, identity, attributes, style: st, size, seed: renderSeed, framing });
    lines.push(JSON.stringify({ index: i, split, identitySeed, attributeSeed, renderSeed, identity, attributes }));
  }
  const imageBytes = size * size * 3;
  const header = npyHeader('|u1', [count, size, size, 3]);
  const fd = openSync(join(out, 'images.npy'), 'w');
  writeSync(fd, header, 0, header.length, 0);
  const sheetTiles: Uint8Array[] = new Array(Math.min(64, count));
  const t0 = performance.now();
  try {
    await renderAll(
      jobs,
      workers,
      (_i, _rgb, first, batch) => {
        writeSync(fd, batch, 0, batch.length, header.length + first * imageBytes);
        for (let k = 0; k * imageBytes < batch.length; k++) {
          const idx = first + k;
          if (idx < sheetTiles.length) sheetTiles[idx] = batch.slice(k * imageBytes, (k + 1) * imageBytes);
        }
      },
      'dataset',
    );
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(join(out, 'attributes.npy'), encodeNpy(attrs, [count, A]));
  writeFileSync(join(out, 'identity.npy'), encodeNpy(ident, [count, I]));
  writeFileSync(join(out, 'params.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(out, 'sheet.png'), sheetPng(sheetTiles, size, 8));
  writeFileSync(
    join(out, 'meta.json'),
    JSON.stringify(
      {
        format: 'faceworld/dataset',
        version: 1,
        style: st,
        count,
        size,
        seed,
        framing,
        ...paramMeta(),
        files: {
          'images.npy': `uint8 [${count}, ${size}, ${size}, 3] RGB`,
          'attributes.npy': `float32 [${count}, ${A}] in the order of "attributes"`,
          'identity.npy': `float32 [${count}, ${I}] in the order of "identity"`,
          'params.jsonl': 'one JSON object per image: index, split, seeds, identity, attributes',
          'sheet.png': 'the first 64 images',
        },
        sampling:
          'identity: sampleIdentity(identitySeed); attributes: sampleAttributes(attributeSeed) — pose and light uniform over their ranges, each expression neutral with probability 0.5, else uniform; seeds derived from the run seed and the index',
        split: {
          rule: 'test when hash(index, seed) < testFraction',
          testFraction,
          train: count - test.length,
          test: test.length,
          testIndices: test,
        },
        seconds,
        imagesPerSecond: count / seconds,
      },
      null,
      1,
    ),
  );
  process.stderr.write(
    `wrote ${count} ${st} images of ${size} px to ${out} in ${seconds.toFixed(1)} s (${(count / seconds).toFixed(1)} images/s)\n`,
  );
}

async function sequences(args: Args): Promise<void> {
  const st = style(args, 'cgi');
  const attribute = attributeSpec(str(args, 'attribute'));
  const from = num(args, 'from', attribute.min, { min: attribute.min, max: attribute.max });
  const to = num(args, 'to', attribute.max, { min: attribute.min, max: attribute.max });
  const steps = num(args, 'steps', 8, { min: 2, max: 1000, integer: true });
  const count = num(args, 'count', undefined, { min: 1, integer: true });
  const size = num(args, 'size', 64, { min: 32, max: 512, integer: true });
  const seed = num(args, 'seed', 0, { integer: true });
  const out = str(args, 'out');
  const workers = num(args, 'workers', availableParallelism(), { min: 1, max: 64, integer: true });
  const others = str(args, 'others', 'random');
  if (others !== 'neutral' && others !== 'random')
    throw new Error(`--others: expected neutral or random, got "${others}"`);
  const framing = framingOf(args);
  mkdirSync(out, { recursive: true });
  const A = ATTRIBUTES.length,
    I = IDENTITY_PARAMS.length;
  const attrs = new Float32Array(count * steps * A),
    ident = new Float32Array(count * I);
  const jobs: RenderJob[] = [];
  const lines: string[] = [];
  for (let k = 0; k < count; k++) {
    const identitySeed = subSeed(seed, k, 1),
      attributeSeed = subSeed(seed, k, 2),
      renderSeed = subSeed(seed, k, 3);
    const identity = sampleIdentity(identitySeed);
    // the other attributes are fixed along a sequence: neutral, or a random moderate setting
    const baseAttrs = others === 'neutral' ? neutralAttributes() : sampleAttributes(attributeSeed, 0.5);
    ident.set(identityVector(identity), k * I);
    for (let s = 0; s < steps; s++) {
      const value = from + ((to - from) * s) / (steps - 1);
      const attributes = { ...baseAttrs, [attribute.name]: value } as Attributes;
      validateAttributes(attributes);
      attrs.set(attributeVector(attributes), (k * steps + s) * A);
      jobs.push({ index: k * steps + s, identity, attributes, style: st, size, seed: renderSeed, framing });
    }
    lines.push(
      JSON.stringify({
        sequence: k,
        identitySeed,
        attributeSeed,
        renderSeed,
        identity,
        attributes: baseAttrs,
        attribute: attribute.name,
        values: Array.from({ length: steps }, (_, s) => from + ((to - from) * s) / (steps - 1)),
      }),
    );
  }
  const imageBytes = size * size * 3;
  const header = npyHeader('|u1', [count, steps, size, size, 3]);
  const fd = openSync(join(out, 'images.npy'), 'w');
  writeSync(fd, header, 0, header.length, 0);
  const sheetTiles: Uint8Array[] = [];
  const sheetRows = Math.min(count, 8);
  const t0 = performance.now();
  try {
    await renderAll(
      jobs,
      workers,
      (_i, _rgb, first, batch) => {
        writeSync(fd, batch, 0, batch.length, header.length + first * imageBytes);
        for (let q = 0; q * imageBytes < batch.length; q++) {
          const idx = first + q;
          if (idx < sheetRows * steps) sheetTiles[idx] = batch.slice(q * imageBytes, (q + 1) * imageBytes);
        }
      },
      'sequences',
    );
  } finally {
    closeSync(fd);
  }
  const seconds = (performance.now() - t0) / 1000;
  writeFileSync(join(out, 'attributes.npy'), encodeNpy(attrs, [count, steps, A]));
  writeFileSync(join(out, 'identity.npy'), encodeNpy(ident, [count, I]));
  writeFileSync(join(out, 'params.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(out, 'sheet.png'), sheetPng(sheetTiles, size, steps));
  writeFileSync(
    join(out, 'meta.json'),
    JSON.stringify(
      {
        format: 'faceworld/sequences',
        version: 1,
        style: st,
        attribute: attribute.name,
        from,
        to,
        steps,
        count,
        size,
        framing,
        seed,
        others,
        ...paramMeta(),
        files: {
          'images.npy': `uint8 [${count}, ${steps}, ${size}, ${size}, 3] RGB`,
          'attributes.npy': `float32 [${count}, ${steps}, ${A}] in the order of "attributes"`,
          'identity.npy': `float32 [${count}, ${I}] in the order of "identity"`,
          'params.jsonl': 'one JSON object per sequence',
          'sheet.png': 'the first 8 sequences, one per row',
        },
        seconds,
      },
      null,
      1,
    ),
  );
  process.stderr.write(
    `wrote ${count} sequences × ${steps} steps of ${attribute.name} (${st}, ${size} px) to ${out} in ${seconds.toFixed(1)} s\n`,
  );
}

/** Rows of identities, columns sweeping one attribute from its minimum to its maximum. */
function attributeSheet(
  attrName: AttributeName,
  st: RenderStyle,
  rows: number,
  cols: number,
  size: number,
  seed: number,
): Uint8Array {
  const spec = attributeSpec(attrName);
  const tiles: Uint8Array[] = [];
  for (let r = 0; r < rows; r++) {
    const identity = sampleIdentity(seed + r);
    for (let c = 0; c < cols; c++) {
      const value = spec.min + ((spec.max - spec.min) * c) / (cols - 1);
      const attributes = { ...neutralAttributes(), [attrName]: value } as Attributes;
      tiles.push(rgbOf(render(identity, attributes, { size, style: st, seed: seed + r })));
    }
  }
  return sheetPng(tiles, size, cols);
}

function sheet(args: Args): void {
  const rows = num(args, 'rows', 4, { min: 1, max: 32, integer: true });
  const cols = num(args, 'cols', 7, { min: 2, max: 32, integer: true });
  const size = num(args, 'size', 96, { min: 32, max: 512, integer: true });
  const seed = num(args, 'seed', 1, { integer: true });
  const out = str(args, 'out');
  const styleArg = str(args, 'style', 'both');
  if (styleArg !== 'cgi' && styleArg !== 'photo' && styleArg !== 'both')
    throw new Error(`--style: expected cgi, photo or both, got "${styleArg}"`);
  const styles: RenderStyle[] = styleArg === 'both' ? ['cgi', 'photo'] : [styleArg];
  if (args.all === true) {
    mkdirSync(out, { recursive: true });
    for (const a of ATTRIBUTES)
      for (const s of styles) {
        const file = join(out, `${a.name}-${s}.png`);
        writeFileSync(file, attributeSheet(a.name, s, rows, cols, size, seed));
        process.stderr.write(`wrote ${file}\n`);
      }
    // identities at a glance: neutral renders of many seeds in both styles
    for (const s of styles) {
      const tiles: Uint8Array[] = [];
      for (let k = 0; k < 24; k++)
        tiles.push(rgbOf(render(sampleIdentity(seed + k), neutralAttributes(), { size, style: s, seed: seed + k })));
      const file = join(out, `identities-${s}.png`);
      writeFileSync(file, sheetPng(tiles, size, 8));
      process.stderr.write(`wrote ${file}\n`);
    }
    return;
  }
  const attr = attributeSpec(str(args, 'attribute'));
  if (styles.length !== 1) throw new Error('--style: a single sheet needs cgi or photo (use --all for both)');
  writeFileSync(out, attributeSheet(attr.name, styles[0], rows, cols, size, seed));
  process.stderr.write(`wrote ${out}\n`);
}

function renderOne(args: Args): void {
  const st = style(args, 'photo');
  const size = num(args, 'size', 256, { min: 32, max: 512, integer: true });
  const identity = sampleIdentity(num(args, 'identity-seed', 1, { integer: true }));
  const attributes = neutralAttributes() as Record<string, number>;
  for (const kv of (args.set as string[] | undefined) ?? []) {
    const [k, v] = kv.split('=');
    const value = Number(v);
    if (k in attributes) attributes[k] = value;
    else if (k in identity) (identity as Record<string, number>)[k] = value;
    else throw new Error(`--set ${kv}: unknown parameter "${k}"`);
  }
  const img = render(identity, attributes as Attributes, {
    size,
    style: st,
    seed: num(args, 'seed', 0, { integer: true }),
  });
  const out = str(args, 'out');
  writeFileSync(out, encode({ width: size, height: size, data: rgbOf(img), channels: 3 }));
  process.stderr.write(`wrote ${out}\n`);
}

/**
 * masks.npy for an existing data set: per image, the share of each pixel covered by the expression
 * features (eyes, lids, brows, lips, mouth; src/synth/regions.ts) as uint8 0–255, re-derived from
 * params.jsonl (the renderer is deterministic, so the masks line up with images.npy exactly).
 */
function masks(args: Args): void {
  const dir = str(args, 'data');
  const metaPath = join(dir, 'meta.json'),
    paramsPath = join(dir, 'params.jsonl');
  if (!existsSync(metaPath) || !existsSync(paramsPath))
    throw new Error(
      `${dir}: no meta.json/params.jsonl; make the data set first (npm run faceworld -- dataset … --out ${dir})`,
    );
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as {
    count: number;
    size: number;
    framing?: Framing;
    files?: Record<string, string>;
  };
  const lines = readFileSync(paramsPath, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  if (lines.length !== meta.count)
    throw new Error(`${paramsPath}: ${lines.length} lines, meta.json says ${meta.count} images`);
  const S = meta.size;
  const out = new Uint8Array(meta.count * S * S);
  const t0 = performance.now();
  lines.forEach((line, k) => {
    const p = JSON.parse(line) as { index: number; identity: Identity; attributes: Attributes };
    if (p.index !== k) throw new Error(`${paramsPath}: line ${k + 1} has index ${p.index}`);
    const cov = framedFeatures(p.identity, p.attributes, S, meta.framing ?? 'frame');
    for (let i = 0; i < cov.length; i++) out[k * S * S + i] = Math.round(cov[i] * 255);
    if ((k + 1) % 2000 === 0) process.stderr.write(`masks: ${k + 1}/${meta.count}\n`);
  });
  writeFileSync(join(dir, 'masks.npy'), encodeNpy(out, [meta.count, S, S]));
  meta.files = {
    ...meta.files,
    'masks.npy': `uint8 [${meta.count}, ${S}, ${S}] coverage (0–255) of the expression features: eyes, lids, brows, lips, mouth`,
  };
  writeFileSync(metaPath, JSON.stringify(meta, null, 1));
  process.stderr.write(`wrote ${join(dir, 'masks.npy')} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

async function main(): Promise<void> {
  const { command, args } = parseArgs(process.argv.slice(2));
  if (command === 'dataset') await dataset(args);
  else if (command === 'sequences') await sequences(args);
  else if (command === 'sheet') sheet(args);
  else if (command === 'render') renderOne(args);
  else if (command === 'masks') masks(args);
  else {
    process.stdout.write(
      'usage: npm run faceworld -- <dataset|sequences|sheet|render|masks> [options]\n' +
        '  dataset   --style photo|cgi --count N --size S --seed X --out DIR [--workers <cores>] [--test-fraction 0.1]\n' +
        '  sequences --style cgi|photo --attribute NAME [--from a --to b] --steps n --count K --size S --seed X --out DIR [--others random|neutral]\n' +
        '  sheet     --attribute NAME | --all  [--style cgi|photo|both] [--rows 4 --cols 7 --size 96 --seed 1] --out FILE.png|DIR\n' +
        '  render    [--style photo] [--size 256] [--identity-seed 1] [--set name=value ...] [--seed 0] --out FILE.png\n' +
        '  masks     --data DIR   (writes DIR/masks.npy: expression-feature coverage per image)\n',
    );
    if (command !== 'help') process.exitCode = 2;
  }
}

main().catch((err: Error) => {
  process.stderr.write(`faceworld: ${err.message}\n`);
  process.exit(1);
});
