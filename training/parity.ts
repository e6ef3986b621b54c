// Parity of the exported ONNX models: runs each model of a pack in onnxruntime-web (Node, wasm)
// through the shared PackRuntime on the inputs export.py saved, compares with torch's outputs,
// writes the max abs difference into the manifest's meta.parity and exits non-zero above --tol.
//   npx tsx training/parity.ts [--pack models/faceworld] [--refs training/runs/parity] [--tol 1e-3]
import { readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNodePackRuntime } from '../src/workers/node/context';

const here = path.dirname(fileURLToPath(import.meta.url));

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

interface Ref {
  model: string;
  inputs: Record<string, { dims: number[]; data: number[] }>;
  outputs: Record<string, { dims: number[]; data: number[] }>;
}

async function main() {
  const packDir = path.resolve(arg('pack', path.join(here, '..', 'models', 'faceworld')));
  const refsDir = path.resolve(arg('refs', path.join(here, 'runs', 'parity')));
  const tol = Number(arg('tol', '1e-3'));
  const manifestPath = path.join(packDir, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
  const runtime = createNodePackRuntime(path.dirname(packDir));
  const packId = path.basename(packDir);
  const parity: Record<string, number> = {};
  const files = (await readdir(refsDir)).filter((f) => f.endsWith('.json'));
  let worst = 0;
  // models export.py --keep-aux carried over unchanged: no torch reference to re-check, their
  // earlier figure stays (export.py copied it)
  const carried: Record<string, unknown> = manifest.meta?.carried ?? {};
  const kept = manifest.meta?.parity ?? {};
  for (const model of Object.keys(manifest.models)) {
    if (model in carried) {
      if (typeof kept[model] !== 'number') throw new Error(`${model} is carried over but has no earlier parity figure`);
      parity[model] = kept[model];
      console.log(`${model.padEnd(14)} carried over unchanged: earlier parity ${kept[model]}`);
      continue;
    }
    if (!files.includes(`${model}.json`))
      throw new Error(`no torch reference ${model}.json in ${refsDir}: run export.py first`);
    const ref: Ref = JSON.parse(await readFile(path.join(refsDir, `${model}.json`), 'utf8'));
    const feeds = Object.fromEntries(
      Object.entries(ref.inputs).map(([k, v]) => [k, { data: Float32Array.from(v.data), dims: v.dims }]),
    );
    const out = await runtime.run(packId, model, feeds);
    let maxDiff = 0;
    for (const [name, want] of Object.entries(ref.outputs)) {
      const got = out[name];
      if (!got) throw new Error(`${model}: onnxruntime gave no output "${name}"`);
      if (got.dims.join() !== want.dims.join())
        throw new Error(`${model}.${name}: shape ${got.dims} vs torch ${want.dims}`);
      for (let i = 0; i < want.data.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got.data[i] - want.data[i]));
    }
    parity[model] = Number(maxDiff.toExponential(2));
    worst = Math.max(worst, maxDiff);
    console.log(`${model.padEnd(14)} max |onnxruntime-web - torch| = ${maxDiff.toExponential(2)}`);
  }
  manifest.meta = {
    ...(manifest.meta ?? {}),
    parity: { ...parity, tolerance: tol, runtime: 'onnxruntime-web (Node, wasm)' },
  };
  await writeFile(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
  await runtime.dispose();
  if (worst > tol) {
    console.error(`parity FAILED: ${worst.toExponential(2)} > ${tol}`);
    process.exit(1);
  }
  console.log(`parity ok (worst ${worst.toExponential(2)} <= ${tol}); written to ${manifestPath}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
