// bench:packs --browser runs its steps in this dedicated worker because the app runs onnxruntime
// in one too (src/workers/engine.worker.ts): a worker may block on Atomics.wait while the wasm
// threads work, a page's main thread may not.
import { runInBrowser } from './packs-browser';

self.onmessage = async (
  e: MessageEvent<{ base: string; id: string; runs: number; threads: number; warmup: number }>,
) => {
  const { base, id, runs, threads, warmup } = e.data;
  try {
    self.postMessage({ ok: true, result: await runInBrowser(base, id, runs, threads, warmup) });
  } catch (err) {
    self.postMessage({ ok: false, error: (err as Error).message });
  }
};
