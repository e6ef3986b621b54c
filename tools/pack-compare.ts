// Two builds of the demo pack side by side on the same six faces: source, then for each pack its
// reconstruction (plain GAN Inversion), smile, head turn and eyes closed. Every cell is made by the
// headless runner (`npm run graph`) on one graph per pack, so the picture is what the editor shows.
//
//   npx tsx tools/pack-compare.ts --a <models dir> --b <models dir> [--out docs/results/pack-compare.png]
//       [--zoom 2] [--alpha 1] [--faces 1,2,3,4,5,6]
//
// Each models dir holds a `faceworld/` pack (e.g. an older commit's `models/`, checked out with
// `git worktree add`). Edits are DGE deltas from Synthetic Pair (4 pairs, identity seed 1): smile
// 0 → 1, head turn 0 → 25°, eyes closed = left + right eye 0 → 1; each scaled by --alpha.
// Layout: one row per face; columns source | pack a: rec, smile, turn, eyes | pack b: the same.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { drawCell, runGraph } from './sheet';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string, fallback?: string) => {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? argv[i + 1] : fallback;
  if (v === undefined) throw new Error(`--${name} is required (usage at the top of tools/pack-compare.ts)`);
  return v;
};
const packs = [path.resolve(opt('a')), path.resolve(opt('b'))];
const out = path.resolve(opt('out', path.join(root, 'docs/results/pack-compare.png')));
const zoom = Number(opt('zoom', '2'));
const alpha = Number(opt('alpha', '1'));
const faces = opt('faces', '1,2,3,4,5,6').split(',').map(Number);
if (!Number.isInteger(zoom) || zoom < 1 || zoom > 8) throw new Error(`--zoom must be a whole number 1..8`);
if (!Number.isFinite(alpha)) throw new Error(`--alpha must be a number`);
if (faces.some((f) => !Number.isInteger(f) || f < 1 || f > 999)) throw new Error(`--faces: whole numbers 1..999`);

type Node = { id: string; type: string; params: Record<string, unknown>; position: [number, number] };
const EDITS = [
  { key: 'smile', pairs: [{ attribute: 'smile', to: 1 }] },
  { key: 'turn', pairs: [{ attribute: 'yaw', to: 25 }] },
  {
    key: 'eyes',
    pairs: [
      { attribute: 'eyeClosedLeft', to: 1 },
      { attribute: 'eyeClosedRight', to: 1 },
    ],
  },
];

function buildGraph() {
  const nodes: Node[] = [];
  const connections: { id: string; from: { node: string; socket: string }; to: { node: string; socket: string } }[] =
    [];
  const node = (id: string, type: string, params: Record<string, unknown>) =>
    nodes.push({ id, type, params: { pack: 'faceworld', ...params }, position: [0, nodes.length * 40] });
  const wire = (from: string, fs: string, to: string, ts: string) =>
    connections.push({
      id: `${from}.${fs}->${to}.${ts}`,
      from: { node: from, socket: fs },
      to: { node: to, socket: ts },
    });
  for (const e of EDITS.flatMap((x) => x.pairs)) {
    if (nodes.some((n) => n.id === `${e.attribute}-pairs`)) continue;
    node(`${e.attribute}-pairs`, 'synthetic-pair', {
      attribute: e.attribute,
      from: 0,
      to: e.to,
      identitySeed: 1,
      count: 4,
    });
    node(`${e.attribute}-delta`, 'encode-delta', { method: 'dge' });
    node(`${e.attribute}-scale`, 'scale', { alpha });
    delete nodes[nodes.length - 1]!.params.pack;
    wire(`${e.attribute}-pairs`, 'pairs', `${e.attribute}-delta`, 'pairs');
    wire(`${e.attribute}-delta`, 'delta', `${e.attribute}-scale`, 'delta');
  }
  for (const f of faces) {
    node(`face${f}`, 'load-face', { source: `sample:${f}`, crop: 'center', face: 0 });
    node(`invert${f}`, 'gan-inversion', { refineSteps: 0, refineRate: 0.05 });
    node(`rec${f}`, 'generate', {});
    wire(`face${f}`, 'image', `invert${f}`, 'image');
    wire(`invert${f}`, 'latent', `rec${f}`, 'latent');
    for (const e of EDITS) {
      node(`${e.key}${f}-add`, 'add', { combine: 'sum' });
      node(`${e.key}${f}`, 'generate', {});
      wire(`invert${f}`, 'latent', `${e.key}${f}-add`, 'latent');
      for (const p of e.pairs) wire(`${p.attribute}-scale`, 'delta', `${e.key}${f}-add`, 'deltas');
      wire(`${e.key}${f}-add`, 'latent', `${e.key}${f}`, 'latent');
    }
  }
  return { format: 'delta-studio/graph', version: 1, name: 'Pack comparison', nodes, connections };
}

const work = mkdtempSync(path.join(tmpdir(), 'pack-compare-'));
try {
  const file = path.join(work, 'compare.dge.json');
  writeFileSync(file, JSON.stringify(buildGraph()));
  const results = packs.map((models, k) => {
    const read = runGraph(file, path.join(work, `pack${k}`), models);
    return (name: string) => read(`${name}-image`);
  });
  const rows = faces.map((f) => [
    results[0]!(`face${f}`),
    ...results.flatMap((read) => [read(`rec${f}`), ...EDITS.map((e) => read(`${e.key}${f}`))]),
  ]);
  const cell = rows[0]![1]!.width * zoom;
  const gap = 4;
  const groupGap = 16; // between the source and each pack's block
  const perPack = 1 + EDITS.length;
  const xOf = (c: number) => c * (cell + gap) + (c >= 1 ? groupGap : 0) + (c >= 1 + perPack ? groupGap : 0);
  const ncol = rows[0]!.length;
  const width = xOf(ncol - 1) + cell;
  const height = rows.length * (cell + gap) - gap;
  const rgba = new Uint8Array(width * height * 4).fill(255);
  rows.forEach((row, r) => row.forEach((img, c) => drawCell(rgba, width, img, xOf(c), r * (cell + gap), cell)));
  writeFileSync(out, encode({ width, height, data: rgba, channels: 4 }));
  console.log(
    `wrote ${path.relative(root, out)}: ${faces.length} faces; source | ${packs
      .map((p) => path.relative(root, p) || '.')
      .join(' | ')}: reconstruction, smile, head turn, eyes closed (α ${alpha})`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
