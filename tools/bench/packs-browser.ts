// The browser half of bench:packs: the same pack runtime and steps in Chromium's onnxruntime-web
// (wasm). tools/bench/packs.ts --browser runs it in a dedicated worker (packs-browser-worker.ts)
// started from a page of the Vite dev server.
import * as ort from 'onnxruntime-web/wasm';
import { OnnxPackRuntime, type OrtModule } from '../../src/workers/pack/runtime';
import { timePack, type PackTimings } from './packs-steps';

export async function runInBrowser(
  modelsBase: string,
  packId: string,
  runs: number,
  threads: number,
  warmup: number,
): Promise<{ timings: PackTimings; crossOriginIsolated: boolean }> {
  ort.env.wasm.numThreads = threads;
  const runtime = new OnnxPackRuntime(
    async (rel) => {
      const res = await fetch(`${modelsBase}${rel}`);
      if (!res.ok) throw new Error(`HTTP ${res.status} for ${modelsBase}${rel}`);
      return new Uint8Array(await res.arrayBuffer());
    },
    ort as unknown as OrtModule,
  );
  try {
    return {
      timings: await timePack(runtime, packId, runs, warmup),
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
    };
  } finally {
    await runtime.dispose();
  }
}
