// Generate / invert / map timings of a converted StyleGAN2 pack in onnxruntime-web (wasm), under
// Node and, with --browser, in Chromium too (same runtime code, same steps), through the app's own
// OnnxPackRuntime (sha256-checked load, session reuse).
//   npm run bench:packs [-- --pack models/converted/random-e4e-256] [--runs 3] [--warmup 250] [--threads 2] [--browser] [--native] [--json]
// --native also times onnxruntime-node (native CPU, the headless batch's default) in the same run.
// Each model: first call, --warmup runs or 5 s of them (median reported apart: V8 optimises the wasm
// kernels only after they have run a while), then the median of --runs (steady state).
// Make the default pack first (random weights in the published layout, see models/README.md):
//   /usr/bin/python3 -m training.convert.make_random_checkpoints --size 256 --encoders e4e --out models/converted/random-ckpt-256
//   /usr/bin/python3 -m training.convert.convert --stylegan2 models/converted/random-ckpt-256/stylegan2.pt \
//       --e4e models/converted/random-ckpt-256/e4e.pt --size 256 --id random-e4e-256 --out models/converted/random-e4e-256
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import { OnnxPackRuntime, type OrtModule } from '../../src/workers/pack/runtime';
import type { PackManifest } from '../../src/graph/types';
import { timePack, type PackTimings } from './packs-steps';
import { loadNodeBackend, type NodeBackend } from '../../src/workers/node/ort-node';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

interface Options {
  pack: string;
  runs: number;
  warmup: number;
  threads: number;
  json: boolean;
  browser: boolean;
  /** also time onnxruntime-node (native CPU) in the same run, for a native/wasm ratio */
  native: boolean;
}

function parseArgs(argv: string[]): Options {
  const opts: Options = {
    pack: 'models/converted/random-e4e-256',
    runs: 3,
    warmup: 250,
    threads: 2,
    json: false,
    browser: false,
    native: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--json') opts.json = true;
    else if (a === '--browser') opts.browser = true;
    else if (a === '--native') opts.native = true;
    else if (a === '--pack') opts.pack = value();
    else if (a === '--runs') opts.runs = Number(value());
    else if (a === '--warmup') opts.warmup = Number(value());
    else if (a === '--threads') opts.threads = Number(value());
    else
      throw new Error(
        `unknown option ${a} (use --pack DIR, --runs N, --warmup N, --threads N, --browser, --native, --json)`,
      );
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1)
    throw new Error(`--runs must be a positive integer, got ${opts.runs}`);
  if (!Number.isInteger(opts.warmup) || opts.warmup < 0)
    throw new Error(`--warmup must be a whole number, got ${opts.warmup}`);
  if (!Number.isInteger(opts.threads) || opts.threads < 1)
    throw new Error(`--threads must be a positive integer, got ${opts.threads}`);
  return opts;
}

const round = (x: number) => Math.round(x * 10) / 10;

async function benchNode(
  dir: string,
  id: string,
  opts: Options,
  backend?: NodeBackend['runtime'],
): Promise<PackTimings> {
  ort.env.wasm.numThreads = opts.threads;
  const runtime = new OnnxPackRuntime(
    async (rel) => new Uint8Array(await readFile(path.join(path.dirname(dir), rel))),
    backend?.ort ?? (ort as unknown as OrtModule),
    backend?.sessionOptions,
  );
  try {
    return await timePack(runtime, id, opts.runs, opts.warmup);
  } finally {
    await runtime.dispose();
  }
}

async function benchChromium(
  dir: string,
  id: string,
  opts: Options,
): Promise<{ timings: PackTimings; crossOriginIsolated: boolean }> {
  if (!existsSync(CHROMIUM))
    throw new Error(`--browser needs Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const rel = path.relative(path.join(ROOT, 'models'), path.dirname(dir));
  if (rel.startsWith('..')) throw new Error(`--browser serves packs from models/; ${dir} is outside it`);
  const { createServer } = await import('vite');
  const { chromium } = await import('playwright-core');
  const server = await createServer({ root: ROOT, logLevel: 'error', server: { host: '127.0.0.1', port: 0 } });
  await server.listen();
  const address = server.httpServer?.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const profile = mkdtempSync(path.join(os.tmpdir(), 'bench-packs-'));
  const browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const page = await browser.newPage();
    const base = `/models/${rel ? `${rel.split(path.sep).join('/')}/` : ''}`;
    let lastError: unknown;
    // Vite may reload the page once while it optimises dependencies on a first visit
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await page.goto(`http://127.0.0.1:${port}/`);
        return await page.evaluate(
          ([workerUrl, b, p, r, t, wu]) =>
            new Promise<{ timings: PackTimings; crossOriginIsolated: boolean }>((resolve, reject) => {
              const worker = new Worker(workerUrl, { type: 'module' });
              worker.onmessage = (e) => {
                worker.terminate();
                if (e.data.ok) resolve(e.data.result);
                else reject(new Error(e.data.error));
              };
              worker.onerror = (e) => reject(new Error(`bench worker: ${e.message}`));
              worker.postMessage({ base: b, id: p, runs: r, threads: t, warmup: wu });
            }),
          ['/tools/bench/packs-browser-worker.ts', base, id, opts.runs, opts.threads, opts.warmup] as const,
        );
      } catch (e) {
        lastError = e;
        if (!/context was destroyed|navigat/i.test(String(e))) break;
      }
    }
    throw lastError;
  } finally {
    await browser.close();
    await server.close();
    rmSync(profile, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const dir = path.resolve(opts.pack);
  if (!existsSync(path.join(dir, 'manifest.json'))) {
    throw new Error(
      `no pack at ${opts.pack} (manifest.json missing); build it with training/convert (see the header of tools/bench/packs.ts or models/README.md)`,
    );
  }
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as PackManifest;
  if (path.basename(dir) !== manifest.id)
    throw new Error(`pack folder "${path.basename(dir)}" must be named after the pack id "${manifest.id}"`);
  const node = await benchNode(dir, manifest.id, opts);
  // onnxruntime-node with as many intra-op threads as the wasm build gets
  const native = opts.native
    ? await benchNode(dir, manifest.id, opts, (await loadNodeBackend('native', opts.threads)).runtime)
    : undefined;
  const inBrowser = opts.browser ? await benchChromium(dir, manifest.id, opts) : undefined;
  const chromium = inBrowser?.timings;

  const result: Record<string, unknown> = {
    pack: manifest.id,
    imageSize: manifest.image.size,
    latent: `${manifest.latent.layers}x${manifest.latent.dim}`,
    generatorMB: round((manifest.models.generator.bytes ?? 0) / 1e6),
    encoderMB: round((manifest.models.encoder.bytes ?? 0) / 1e6),
    ortWeb: ort.env.versions?.web ?? 'unknown',
    node: process.version,
    threads: opts.threads,
    runs: opts.runs,
    warmup: opts.warmup,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    loadAvg1m: round(os.loadavg()[0]),
  };
  for (const [k, v] of Object.entries(node)) result[`node${k[0].toUpperCase()}${k.slice(1)}`] = v;
  if (native) {
    for (const [k, v] of Object.entries(native)) result[`native${k[0].toUpperCase()}${k.slice(1)}`] = v;
    for (const step of ['mapping', 'generate', 'invert', 'deltaEncode', 'deltaDecode', 'attributes', 'refineStep']) {
      const w = node[`${step}Ms`];
      const n = native[`${step}Ms`];
      if (w && n) result[`${step}WasmOverNative`] = Math.round((w / n) * 100) / 100;
    }
  }
  if (chromium) {
    for (const [k, v] of Object.entries(chromium)) result[`chromium${k[0].toUpperCase()}${k.slice(1)}`] = v;
    result.chromiumCrossOriginIsolated = inBrowser!.crossOriginIsolated;
    for (const step of ['mapping', 'generate', 'invert']) {
      const n = node[`${step}Ms`];
      const c = chromium[`${step}Ms`];
      if (n && c) result[`${step}ChromiumOverNode`] = Math.round((c / n) * 100) / 100;
    }
  }
  if (opts.json) {
    console.log(JSON.stringify(result));
    return;
  }
  console.log(
    `bench:packs ${manifest.id} (${result.imageSize}px, W+ ${result.latent}; generator ${result.generatorMB} MB, encoder ${result.encoderMB} MB)`,
  );
  console.log(
    `onnxruntime-web ${result.ortWeb} wasm, ${opts.threads} threads, ${opts.warmup} warm-up runs then median of ${opts.runs}; ${result.cores} cores, load average ${result.loadAvg1m}`,
  );
  const cols = (t: PackTimings, step: string) =>
    [t[`${step}FirstMs`], t[`${step}WarmupMs`] ?? '-', t[`${step}Ms`]].map((v) => String(v).padStart(9)).join(' ');
  console.log(`step        Node: first   warm-up    steady${chromium ? '   Chromium: first   warm-up    steady' : ''}`);
  for (const step of [
    'mapping',
    'generate',
    'invert',
    'deltaEncode',
    'deltaDecode',
    'attributes',
    'refineStep',
    'aimSolve',
  ]) {
    if (node[`${step}Ms`] === undefined) continue;
    console.log(`${step.padEnd(11)} ${cols(node, step)}${chromium ? `         ${cols(chromium, step)}` : ''}`);
  }
  if (native) {
    console.log('onnxruntime-node (native CPU), same threads, steady median ms and wasm/native:');
    for (const step of ['mapping', 'generate', 'invert', 'deltaEncode', 'deltaDecode', 'attributes', 'refineStep']) {
      if (native[`${step}Ms`] === undefined) continue;
      console.log(
        `${step.padEnd(11)} ${String(native[`${step}Ms`]).padStart(9)}   wasm/native ${result[`${step}WasmOverNative`] ?? '-'}x`,
      );
    }
  }
  if (inBrowser && !inBrowser.crossOriginIsolated)
    console.log('note: the page was not cross-origin isolated, so Chromium ran onnxruntime on one thread');
}

main().catch((e) => {
  console.error(`bench:packs: ${(e as Error).message}`);
  process.exit(1);
});
