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
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode } from 'fast-png';

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

type Img = { width: number; height: number; channels: number; data: ArrayLike<number> };
const work = mkdtempSync(path.join(tmpdir(), 'edit-example-'));
const runVariant = (smile: number, yaw: number): { source: Img; edited: Img } => {
  scaleNode('smile-scale').params.alpha = smile;
  scaleNode('yaw-scale').params.alpha = yaw;
  const dir = path.join(work, `s${smile}-y${yaw}`);
  const file = `${dir}.dge.json`;
  writeFileSync(file, JSON.stringify(graph));
  // the real headless runner, exactly as a user would call it
  execFileSync('npx', ['tsx', path.join(root, 'tools/run-graph.ts'), file, '--out', dir, '--quiet'], {
    cwd: root,
    stdio: 'inherit',
  });
  const read = (name: string) => decode(readFileSync(path.join(dir, name))) as Img;
  return { source: read('face-image.png'), edited: read('generate-image.png') };
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
  columns.forEach((img, c) => {
    // the source may be larger than the generator's output: sample it down to the same cell
    const sx = img.width / cell;
    const sy = img.height / cell;
    for (let y = 0; y < cell; y++) {
      for (let x = 0; x < cell; x++) {
        const src = (Math.floor(y * sy) * img.width + Math.floor(x * sx)) * img.channels;
        const dst = (y * width + c * (cell + gap) + x) * 4;
        for (let k = 0; k < 3; k++) rgba[dst + k] = img.data[src + (img.channels >= 3 ? k : 0)]!;
        rgba[dst + 3] = 255;
      }
    }
  });
  writeFileSync(out, encode({ width, height: cell, data: rgba, channels: 4 }));
  console.log(
    `wrote ${path.relative(root, out)}: source, inversion${refine ? ` (refined ${refine} steps)` : ''}, smile, head turn, smile + head turn (${size} px ×${zoom})`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
