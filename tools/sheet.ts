// Shared by the picture tools (edit-example.ts, pack-compare.ts): run a graph headless exactly as a
// user would (`npm run graph`), read its image outputs, and draw them into a contact sheet.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode } from 'fast-png';

const root = fileURLToPath(new URL('..', import.meta.url));

export type Img = { width: number; height: number; channels: number; data: ArrayLike<number> };

/** Runs `file` with tools/run-graph.ts into `dir`; returns a reader of its `<node>-<output>.png` files. */
export function runGraph(file: string, dir: string, models?: string): (name: string) => Img {
  const args = [path.join(root, 'tools/run-graph.ts'), file, '--out', dir, '--quiet'];
  if (models) args.push('--models', models);
  execFileSync('npx', ['tsx', ...args], { cwd: root, stdio: 'inherit' });
  return (name) => decode(readFileSync(path.join(dir, `${name}.png`))) as Img;
}

/** Draws `img` into the RGBA sheet (`width` px wide) as a `cell`-px square at (x0, y0),
 *  nearest-neighbour: a source larger than the generator's output is sampled down to the cell. */
export function drawCell(rgba: Uint8Array, width: number, img: Img, x0: number, y0: number, cell: number) {
  const sx = img.width / cell;
  const sy = img.height / cell;
  for (let y = 0; y < cell; y++) {
    for (let x = 0; x < cell; x++) {
      const src = (Math.floor(y * sy) * img.width + Math.floor(x * sx)) * img.channels;
      const dst = ((y0 + y) * width + x0 + x) * 4;
      for (let k = 0; k < 3; k++) rgba[dst + k] = img.data[src + (img.channels >= 3 ? k : 0)]!;
      rgba[dst + 3] = 255;
    }
  }
}
