// Torch vs onnxruntime-web parity of a freshly exported Δ-encoder, BEFORE it goes into the pack:
// the candidate manifest and the new ONNX files are served to the app's own OnnxPackRuntime
// (manifest validation, sha256, feed checks) as if they were installed, and run on the
// reference inputs train_delta.py saved. Prints one JSON object of figures.
//   npx tsx training/convert/check_delta.ts --manifest <candidate.json> --files <dir> --ref <dir> [--tolerance 1e-3]
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-web';
import { OnnxPackRuntime, type OrtModule } from '../../src/workers/pack/runtime';
import { parsePackManifest } from '../../src/workers/pack/manifest';
import { compare, type ParityFigure } from './parity';
import { parseNpy } from '../../src/synth/npy';

/** model -> its input names and its output name, as train_delta.py saves them (`<model>.<name>.npy`). */
const CHECKS: Record<string, { inputs: string[]; output: string }> = {
  delta_encoder: { inputs: ['w_from', 'w_to'], output: 'delta' },
  delta_decoder: { inputs: ['w', 'delta'], output: 'dw' },
};

export async function checkDelta(
  manifestPath: string,
  filesDir: string,
  refDir: string,
): Promise<Record<string, ParityFigure>> {
  const manifestBytes = new Uint8Array(await readFile(manifestPath));
  const manifest = parsePackManifest(JSON.parse(new TextDecoder().decode(manifestBytes)), manifestPath);
  ort.env.wasm.numThreads = 1;
  // only the manifest and the delta files are read: other models of a big pack are never loaded
  const runtime = new OnnxPackRuntime(
    async (rel) => {
      const [id, ...rest] = rel.split('/');
      if (id !== manifest.id) throw new Error(`unexpected pack "${id}"`);
      const file = rest.join('/');
      return file === 'manifest.json' ? manifestBytes : new Uint8Array(await readFile(path.join(filesDir, file)));
    },
    ort as unknown as OrtModule,
  );
  const figures: Record<string, ParityFigure> = {};
  try {
    for (const [model, io] of Object.entries(CHECKS)) {
      const entry = manifest.models[model];
      if (!entry) throw new Error(`candidate manifest has no ${model}`);
      const load = (n: string) =>
        readFile(path.join(refDir, `${model}.${n}.npy`)).then((b) => parseNpy(new Uint8Array(b), `${model}.${n}.npy`));
      const feeds = Object.fromEntries(await Promise.all(io.inputs.map(async (n) => [n, await load(n)] as const)));
      const expected = await load(io.output);
      const t0 = performance.now();
      const out = await runtime.run(manifest.id, model, feeds);
      const ms = performance.now() - t0;
      if (!out[io.output])
        throw new Error(`${model}: onnx output "${io.output}" missing (got ${Object.keys(out).join(', ')})`);
      figures[model] = { ...compare(out[io.output], expected), ms: Math.round(ms * 10) / 10 };
    }
  } finally {
    await runtime.dispose();
  }
  return figures;
}

async function main(argv: string[]): Promise<number> {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const manifestPath = opt('--manifest'),
    files = opt('--files'),
    ref = opt('--ref');
  const tolerance = Number(opt('--tolerance') ?? 1e-3);
  if (!manifestPath || !files || !ref || !Number.isFinite(tolerance)) {
    console.error(
      'usage: npx tsx training/convert/check_delta.ts --manifest <candidate.json> --files <dir> --ref <dir> [--tolerance 1e-3]',
    );
    return 2;
  }
  const figures = await checkDelta(manifestPath, files, ref);
  console.log(
    JSON.stringify({
      runtime: `onnxruntime-web ${ort.env.versions?.web ?? ''} (wasm, Node ${process.version})`,
      tolerance,
      ...figures,
    }),
  );
  const bad = Object.entries(figures).filter(([, f]) => !(f.maxRel <= tolerance));
  if (bad.length) {
    console.error(
      `Δ-encoder parity FAILED (max rel > ${tolerance}): ${bad.map(([m, f]) => `${m} ${f.maxRel.toExponential(2)}`).join(', ')}`,
    );
    return 1;
  }
  return 0;
}

if (process.argv[1]?.endsWith('check_delta.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e) => {
      console.error(`check_delta.ts: ${(e as Error).message}`);
      process.exit(2);
    },
  );
}
