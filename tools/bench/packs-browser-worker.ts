// bench:packs --browser runs its steps in this dedicated worker, where the app runs onnxruntime
// too (src/workers/engine.worker.ts): a worker may block on Atomics.wait while the wasm threads
// work, the page's main thread may not (it spins), so only a worker shows the app's timings.
import { runInBrowser } from './packs-browser';

self.onmessage = async (e: MessageEvent<{ base: string; id: string; runs: number; threads: number; warmup: number }>) => {
  const { base, id, runs, threads, warmup } = e.data;
  try {
    self.postMessage({ ok: true, result: await runInBrowser(base, id, runs, threads, warmup) });
  } catch (err) {
    self.postMessage({ ok: false, error: (err as Error).message });
  }
};
