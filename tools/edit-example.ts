// The README's edit picture: one source face, its plain inversion, each single edit (smile, head
// turn) and the two combined, every column produced by `npm run graph` on the example
// examples/combine-smile-yaw.dge.json with the two Scale nodes' α set to 0 or 1.
//
//   npx tsx tools/edit-example.ts [--out docs/results/edit-example.png] [--zoom 3] [--refine 0]
//
// --refine N sets the GAN Inversion node's refine steps (N gradient steps through G after the
// encoder): docs/results/edit-example-refined.png is `--refine 100`.
//
// Columns, left to right: source render, inversion (α 0/0), smile (1/0), head turn (0/1), both (1/1).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { drawCell, runGraph, type Img } from './sheet';

const root = fileURLToPath(new URL('..', import.meta.url));
const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
};
const out = path.resolve(opt('out', path.join(root, 'docs/results/edit-example.png')));
const zoom = Number(opt('zoom', '3'));
if (!Number.isInteger(zoom) || zoom < 1 || zoom > 8)
  throw new Error(`--zoom must be a whole number 1..8, got ${opt('zoom', '3')}`);

const example = path.join(root, 'examples/combine-smile-yaw.dge.json');
const graph = JSON.parse(readFileSync(example, 'utf8')) as {
  nodes: { id: string; type: string; params: Record<string, unknown> }[];
};
const refine = Number(opt('refine', '0'));
if (!Number.isInteger(refine) || refine < 0 || refine > 500)
  throw new Error(`--refine must be a whole number 0..500, got ${opt('refine', '0')}`);
const inversions = graph.nodes.filter((node) => node.type === 'gan-inversion');
if (inversions.length === 0) throw new Error(`${example}: no gan-inversion node`);
for (const n of inversions) n.params.refineSteps = refine;
const scaleNode = (id: string) => {
  const n = graph.nodes.find((node) => node.id === id && node.type === 'scale');
  if (!n) throw new Error(`${example}: no scale node "${id}" (the picture sets its alpha)`);
  return n;
};

const work = mkdtempSync(path.join(tmpdir(), 'edit-example-'));
const runVariant = (smile: number, yaw: number): { source: Img; edited: Img } => {
  scaleNode('smile-scale').params.alpha = smile;
  scaleNode('yaw-scale').params.alpha = yaw;
  const dir = path.join(work, `s${smile}-y${yaw}`);
  const file = `${dir}.dge.json`;
  writeFileSync(file, JSON.stringify(graph));
  // the real headless runner, exactly as a user would call it
  const read = runGraph(file, dir);
  return { source: read('face-image'), edited: read('generate-image') };
};

try {
  const inversion = runVariant(0, 0);
  const columns = [
    inversion.source,
    inversion.edited,
    runVariant(1, 0).edited,
    runVariant(0, 1).edited,
    runVariant(1, 1).edited,
  ];
  const size = columns[1]!.width;
  const gap = 4;
  const cell = size * zoom;
  const width = columns.length * cell + (columns.length - 1) * gap;
  const rgba = new Uint8Array(width * cell * 4).fill(255);
  columns.forEach((img, c) => drawCell(rgba, width, img, c * (cell + gap), 0, cell));
  writeFileSync(out, encode({ width, height: cell, data: rgba, channels: 4 }));
  console.log(
    `wrote ${path.relative(root, out)}: source, inversion${refine ? ` (refined ${refine} steps)` : ''}, smile, head turn, smile + head turn (${size} px ×${zoom})`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
