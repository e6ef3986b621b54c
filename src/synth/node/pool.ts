// A pool of render workers (one per core by default) fed with batches of jobs.
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { RenderBatchReply, RenderJob } from './render-worker';

export class RenderPool {
  private readonly workers: Worker[];

  constructor(count = availableParallelism()) {
    if (!Number.isInteger(count) || count < 1)
      throw new Error(`RenderPool: worker count must be a whole number >= 1, got ${count}`);
    const url = new URL('./render-worker.ts', import.meta.url);
    // the worker module is TypeScript: a small bootstrap registers the tsx loader in the worker first
    const tsxApi = import.meta.resolve('tsx/esm/api');
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
    this.workers = Array.from({ length: count }, () => new Worker(boot, { eval: true }));
  }

  get size(): number {
    return this.workers.length;
  }

  /** Renders all jobs in batches; `onBatch` receives each finished batch (in completion order). */
  async run(jobs: RenderJob[], batchSize: number, onBatch: (reply: RenderBatchReply) => void): Promise<void> {
    let next = 0;
    const take = (): RenderJob[] => {
      const batch = jobs.slice(next, next + batchSize);
      next += batch.length;
      return batch;
    };
    await Promise.all(
      this.workers.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              const batch = take();
              if (batch.length === 0) {
                w.off('message', onMessage);
                w.off('error', onError);
                resolve();
                return;
              }
              w.postMessage(batch);
            };
            const onMessage = (reply: RenderBatchReply): void => {
              if (reply.error) {
                reject(new Error(`render worker: ${reply.error}`));
                return;
              }
              onBatch(reply);
              feed();
            };
            const onError = (err: Error): void => reject(err);
            w.on('message', onMessage);
            w.on('error', onError);
            feed();
          }),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
