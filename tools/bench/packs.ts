// Generate / invert / map timings of a converted StyleGAN2 pack in onnxruntime-web under Node,
// through the app's own OnnxPackRuntime (sha256-checked load, session reuse).
//   npm run bench:packs [-- --pack models/converted/random-e4e-256] [--runs 3] [--threads 2] [--json]
// Make the default pack first (random weights in the published layout, see models/README.md):
//   /usr/bin/python3 models/convert/make_random_checkpoints.py --size 256 --encoders e4e --out models/converted/random-ckpt-256
//   /usr/bin/python3 models/convert/convert.py --stylegan2 models/converted/random-ckpt-256/stylegan2.pt \
//       --e4e models/converted/random-ckpt-256/e4e.pt --size 256 --id random-e4e-256 --out models/converted/random-e4e-256
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { OnnxPackRuntime, type OrtModule } from '../../src/workers/pack/runtime';
import type { PackManifest, Tensor } from '../../src/graph/types';

interface Options {
  pack: string;
  runs: number;
  threads: number;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = { pack: 'models/converted/random-e4e-256', runs: 3, threads: 2, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') opts.json = true;
    else if (a === '--pack') opts.pack = value();
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--threads') opts.threads = Number(value());
    else throw new Error(`unknown option ${a} (use --pack DIR, --runs N, --threads N, --json)`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error(`--runs must be a positive integer, got ${opts.runs}`);
  if (!Number.isInteger(opts.threads) || opts.threads < 1) throw new Error(`--threads must be a positive integer, got ${opts.threads}`);
  return opts;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number) => Math.round(x * 10) / 10;

function randn(n: number, seed: number): Float32Array {
  // deterministic inputs: a small LCG + Box-Muller is enough for timing
  let s = seed >>> 0;
  const u = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return out;
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = path.resolve(opts.pack);
  if (!existsSync(path.join(dir, 'manifest.json'))) {
    throw new Error(`no pack at ${opts.pack} (manifest.json missing); build it with models/convert (see the header of tools/bench/packs.ts or models/README.md)`);
  }
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as PackManifest;
  ort.env.wasm.numThreads = opts.threads;
  const runtime = new OnnxPackRuntime(async (rel) => new Uint8Array(await readFile(path.join(path.dirname(dir), rel))), ort as unknown as OrtModule);
  const { layers: L, dim: D } = manifest.latent;
  const encIn = manifest.models.encoder.inputs[0];
  const encSize = Number(encIn.shape[2]);

  const figures: Record<string, number | string> = {};
  const time = async (label: string, model: string, feeds: Record<string, Tensor>) => {
    let t = performance.now();
    await runtime.run(manifest.id, model, feeds); // creates the session (read, sha256, parse, optimise)
    figures[`${label}FirstMs`] = round(performance.now() - t);
    const times: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      t = performance.now();
      await runtime.run(manifest.id, model, feeds);
      times.push(performance.now() - t);
    }
    figures[`${label}Ms`] = round(median(times));
  };

  await time('mapping', 'mapping', { z: { data: randn(D, 1), dims: [1, D] } });
  const w = await runtime.run(manifest.id, 'mapping', { z: { data: randn(D, 2), dims: [1, D] } });
  await time('generate', 'generator', { w: w.w });
  const img = { data: new Float32Array(3 * encSize * encSize).map((_, i) => Math.sin(i / 97)), dims: [1, 3, encSize, encSize] };
  await time('invert', 'encoder', { image: img });
  await runtime.dispose();

  const result = {
    pack: manifest.id,
    imageSize: manifest.image.size,
    latent: `${L}x${D}`,
    generatorMB: round((manifest.models.generator.bytes ?? 0) / 1e6),
    encoderMB: round((manifest.models.encoder.bytes ?? 0) / 1e6),
    runtime: `onnxruntime-web ${ort.env.versions?.web ?? ''} wasm, Node ${process.version}`,
    threads: opts.threads,
    runs: opts.runs,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    loadAvg1m: round(os.loadavg()[0]),
    ...figures,
  };
  if (opts.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(`bench:packs ${result.pack} (${result.imageSize}px, W+ ${result.latent}; generator ${result.generatorMB} MB, encoder ${result.encoderMB} MB)`);
  console.log(`${result.runtime}, ${opts.threads} threads, median of ${opts.runs}; load average ${result.loadAvg1m}`);
  console.log('step       first run (load+run) ms   median run ms');
  for (const step of ['mapping', 'generate', 'invert']) {
    console.log(`${step.padEnd(10)} ${String(figures[`${step}FirstMs`]).padStart(24)}   ${String(figures[`${step}Ms`]).padStart(13)}`);
  }
}

main().catch((e) => {
  console.error(`bench:packs: ${(e as Error).message}`);
  process.exit(1);
});
