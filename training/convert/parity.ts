// Torch vs onnxruntime-web parity for a converted pack: loads the pack through the app's own
// OnnxPackRuntime (sha256 checks, manifest validation, feed checks), runs every model on the
// reference inputs convert.py saved, and writes the max abs differences into manifest.meta.parity.
//   npx tsx training/convert/parity.ts <pack-dir> [--json] [--tolerance 1e-3]
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { OnnxPackRuntime, type OrtModule } from '../../src/workers/pack/runtime';
import { parsePackManifest } from '../../src/workers/pack/manifest';
import type { Tensor } from '../../src/graph/types';
import { parseNpy } from '../../src/synth/npy';

/** model -> [input name, output name] of the reference pair convert.py writes (`<model>.<name>.npy`). */
const CHECKS: Record<string, [string, string]> = {
  mapping: ['z', 'w'],
  generator: ['w', 'image'],
  encoder: ['image', 'w'],
};

export interface ParityFigure {
  maxAbs: number;
  /** maxAbs divided by the largest |reference| value: comparable across models */
  maxRel: number;
  meanAbs: number;
  ms: number;
  shape: number[];
}

export function compare(actual: Tensor, expected: Tensor): Omit<ParityFigure, 'ms'> {
  if (actual.dims.join(',') !== expected.dims.join(',')) {
    throw new Error(`shape mismatch: onnx [${actual.dims}] vs torch [${expected.dims}]`);
  }
  let maxAbs = 0;
  let sum = 0;
  let scale = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const d = Math.abs(actual.data[i] - expected.data[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    sum += d;
    scale = Math.max(scale, Math.abs(expected.data[i]));
  }
  return {
    maxAbs,
    maxRel: maxAbs / Math.max(scale, 1e-12),
    meanAbs: sum / expected.data.length,
    shape: [...expected.dims],
  };
}

export async function checkParity(packDir: string, threads = 2): Promise<Record<string, ParityFigure>> {
  const dir = path.resolve(packDir);
  const manifest = parsePackManifest(
    JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')),
    `${dir}/manifest.json`,
  );
  if (path.basename(dir) !== manifest.id) {
    throw new Error(`pack folder "${path.basename(dir)}" must be named after the pack id "${manifest.id}"`);
  }
  ort.env.wasm.numThreads = threads;
  const runtime = new OnnxPackRuntime(
    async (rel) => new Uint8Array(await readFile(path.join(path.dirname(dir), rel))),
    ort as unknown as OrtModule,
  );
  const figures: Record<string, ParityFigure> = {};
  try {
    for (const [model, [input, output]] of Object.entries(CHECKS)) {
      if (!manifest.models[model]) continue;
      const load = (n: string) =>
        readFile(path.join(dir, 'reference', `${model}.${n}.npy`)).then((b) =>
          parseNpy(new Uint8Array(b), `${model}.${n}.npy`),
        );
      const [feed, expected] = await Promise.all([load(input), load(output)]);
      await runtime.run(manifest.id, model, { [input]: feed }); // first run creates the session; time the second
      const t0 = performance.now();
      const out = await runtime.run(manifest.id, model, { [input]: feed });
      const ms = performance.now() - t0;
      if (!out[output])
        throw new Error(`${model}: onnx output "${output}" missing (got ${Object.keys(out).join(', ')})`);
      figures[model] = { ...compare(out[output], expected), ms: Math.round(ms * 10) / 10 };
    }
  } finally {
    await runtime.dispose();
  }
  return figures;
}

async function main(argv: string[]): Promise<number> {
  const packDir = argv.find((a) => !a.startsWith('--'));
  const ti = argv.indexOf('--tolerance');
  const tolerance = ti >= 0 ? Number(argv[ti + 1]) : 1e-3;
  if (!packDir || !Number.isFinite(tolerance)) {
    console.error('usage: npx tsx training/convert/parity.ts <pack-dir> [--json] [--tolerance 1e-3]');
    return 2;
  }
  const figures = await checkParity(packDir);
  const manifestPath = path.join(path.resolve(packDir), 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  manifest.meta = {
    ...manifest.meta,
    parity: {
      runtime: `onnxruntime-web ${ort.env.versions?.web ?? ''} (wasm, Node ${process.version})`.replace('  ', ' '),
      reference: 'PyTorch (training/convert/convert.py reference/*.npy)',
      tolerance,
      ...figures,
    },
  };
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2));
  if (argv.includes('--json')) console.log(JSON.stringify(figures));
  else {
    console.log(`parity ${manifest.id}: torch vs onnxruntime-web`);
    console.log('model      shape              max abs    max rel    mean abs   run ms');
    for (const [m, f] of Object.entries(figures)) {
      console.log(
        `${m.padEnd(10)} ${`[${f.shape}]`.padEnd(18)} ${f.maxAbs.toExponential(2).padEnd(10)} ${f.maxRel.toExponential(2).padEnd(10)} ${f.meanAbs.toExponential(2).padEnd(10)} ${f.ms}`,
      );
    }
  }
  const bad = Object.entries(figures).filter(([, f]) => !(f.maxRel <= tolerance));
  if (bad.length) {
    console.error(
      `parity FAILED (max rel > ${tolerance}): ${bad.map(([m, f]) => `${m} ${f.maxRel.toExponential(2)}`).join(', ')}`,
    );
    return 1;
  }
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('parity.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`parity.ts: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
