// Scale-out on BullMQ + Redis. The producer (`npm run batch -- … --queue redis://host:port`) puts
// the graph into Redis once and one job per item (the image's bytes inside the job, so workers
// need no shared disk); workers (`npm run worker -- --queue …`, any number, on any machine) run
// items with the same runner pool as a local batch and return the result PNGs inside the job's
// return value; the producer writes them into its --out folder and removes the job.
//
// - Job id = the item's resume key: adding an item that is already queued, running or finished is
//   a no-op, so a restarted producer re-adds its items without duplicating any, and collects the
//   ones finished while it was away.
// - A worker killed mid-item loses its lock; after the lock expires another worker's stall check
//   moves the job back to wait and it runs again (results by content hash: identical bytes).
// - An item whose image is broken completes normally with an error record; a BullMQ failure
//   (a runner died, stalled too often) is retried `attempts` times, then reported as the item's error.
import { Queue, QueueEvents, Worker, Job } from 'bullmq';
import type { ItemRecord } from '../../src/batch/item';
import { base64ToBytes, bytesToBase64 } from '../../src/graph/assets';
import type { RunnerPool } from './pool';

export const DEFAULT_QUEUE_NAME = 'delta-studio-batch';
/** graphs stay in Redis this long after their last enqueue (workers look them up by sha256) */
const GRAPH_TTL_S = 7 * 24 * 3600;

export interface JobData {
  graphSha256: string;
  target: string;
  name: string;
  /** the image, base64 */
  input: string;
}

export interface JobResult {
  record: ItemRecord;
  /** result PNGs by content-hash file name, base64 */
  pngs: Record<string, string>;
}

/** ioredis options from redis://[user:password@]host:port[/db]; BullMQ workers need maxRetriesPerRequest null. */
export function redisConnection(url: string): {
  host: string;
  port: number;
  db?: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--queue ${url}: expected redis://host:port`);
  }
  if (u.protocol !== 'redis:') throw new Error(`--queue ${url}: expected redis://host:port`);
  const db = u.pathname.replace(/^\//, '');
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(db ? { db: Number(db) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest: null,
  };
}

const graphKey = (queue: string, sha: string) => `bull:${queue}:graph:${sha}`;
/** BullMQ job ids must not be plain integers; item keys are hex */
export const jobId = (key: string) => `item-${key}`;

export interface ProduceItem {
  key: string;
  name: string;
  read(): Promise<Uint8Array>;
}

export interface ProduceOptions {
  url: string;
  queueName: string;
  graphText: string;
  graphSha256: string;
  target: string;
  items: ProduceItem[];
  /** keys of items the manifest already has (from an earlier run): any job of theirs left in Redis is removed */
  finishedKeys?: string[];
  /** most items in Redis at once (their images are in the jobs) */
  window?: number;
  onResult(key: string, result: JobResult): Promise<void>;
  onFailed(key: string, message: string): Promise<void>;
  /** how often the producer sweeps its outstanding jobs' states (events may be missed across a restart of Redis) */
  sweepMs?: number;
}

/** Enqueues the items and waits until every one has a result or a failure. */
export async function produce(opts: ProduceOptions): Promise<void> {
  const connection = redisConnection(opts.url);
  const queue = new Queue<JobData, JobResult>(opts.queueName, { connection });
  const events = new QueueEvents(opts.queueName, { connection });
  const byJob = new Map(opts.items.map((i) => [jobId(i.key), i]));
  const outstanding = new Set<string>();
  const handled = new Set<string>();
  let next = 0;
  const window = opts.window ?? 500;
  let wake: () => void = () => undefined;
  let failure: Error | null = null;
  let handling = Promise.resolve();

  const finish = (id: string, outcome: { result?: JobResult; failed?: string }) => {
    if (!outstanding.has(id) || handled.has(id)) return;
    handled.add(id);
    const item = byJob.get(id)!;
    handling = handling
      .then(async () => {
        if (outcome.result) await opts.onResult(item.key, outcome.result);
        else await opts.onFailed(item.key, outcome.failed ?? 'failed');
        outstanding.delete(id);
        // the item is in the manifest now: its job (image and results) can leave Redis
        await queue.remove(id).catch(() => undefined);
        wake();
      })
      .catch((e) => {
        failure = e as Error;
        wake();
      });
  };

  try {
    await events.waitUntilReady();
    events.on('completed', ({ jobId: id, returnvalue }) => {
      const rv = (typeof returnvalue === 'string' ? JSON.parse(returnvalue) : returnvalue) as JobResult;
      finish(id, { result: rv });
    });
    events.on('failed', ({ jobId: id, failedReason }) => {
      // a failure with attempts left goes back to wait: only the final one counts
      void Job.fromId<JobData, JobResult>(queue, id).then(async (job) => {
        if (job && (await job.getState()) === 'failed') finish(id, { failed: failedReason });
      });
    });
    for (const key of opts.finishedKeys ?? []) await queue.remove(jobId(key)).catch(() => undefined);
    const client = await queue.client;
    await client.set(graphKey(opts.queueName, opts.graphSha256), opts.graphText, { EX: GRAPH_TTL_S });

    /** jobs already finished (by an earlier producer's workers) or finished while events were missed */
    const sweep = async (ids: string[]) => {
      for (const id of ids) {
        if (handled.has(id)) continue;
        const state = await queue.getJobState(id);
        if (state === 'completed' || state === 'failed') {
          const job = await Job.fromId<JobData, JobResult>(queue, id);
          if (!job) continue;
          finish(id, state === 'completed' ? { result: job.returnvalue } : { failed: job.failedReason });
        }
      }
    };

    let lastSweep = Date.now();
    while (next < opts.items.length || outstanding.size > 0) {
      if (failure) throw failure;
      if (next < opts.items.length && outstanding.size < window) {
        const batch = opts.items.slice(next, next + Math.min(100, window - outstanding.size));
        next += batch.length;
        const jobs = await Promise.all(
          batch.map(async (item) => ({
            name: 'item',
            data: {
              graphSha256: opts.graphSha256,
              target: opts.target,
              name: item.name,
              input: bytesToBase64(await item.read()),
            },
            opts: {
              jobId: jobId(item.key),
              attempts: 3,
              backoff: { type: 'fixed' as const, delay: 500 },
              removeOnComplete: false,
              removeOnFail: false,
            },
          })),
        );
        for (const j of jobs) outstanding.add(j.opts.jobId);
        await queue.addBulk(jobs);
        await sweep(jobs.map((j) => j.opts.jobId));
        continue;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, opts.sweepMs ?? 2000);
      });
      if (Date.now() - lastSweep >= (opts.sweepMs ?? 2000)) {
        lastSweep = Date.now();
        await sweep([...outstanding]);
      }
    }
    await handling;
    if (failure) throw failure;
  } finally {
    await events.close();
    await queue.close();
  }
}

export interface WorkerOptions {
  url: string;
  queueName: string;
  pool: RunnerPool;
  /** how long a job's lock lasts without renewal: a killed worker's item runs again after it (and the next stall check) */
  lockMs?: number;
  /** after each item: `started`/`ended` (performance.now()) bracket the processor, for the benchmark's overhead figures */
  onJob?(record: ItemRecord, info: { jobId: string; attempt: number; started: number; ended: number }): void;
}

/** A BullMQ worker that runs items on the pool (concurrency = the pool's size). */
export async function startWorker(opts: WorkerOptions): Promise<Worker<JobData, JobResult>> {
  const connection = redisConnection(opts.url);
  const graphs = new Map<string, string>();
  let client: Awaited<Worker['client']> | null = null;
  const lockDuration = opts.lockMs ?? 30_000;
  const worker = new Worker<JobData, JobResult>(
    opts.queueName,
    async (job) => {
      const started = performance.now();
      const { graphSha256, target, name, input } = job.data;
      let graphText = graphs.get(graphSha256);
      if (graphText === undefined) {
        client ??= await worker.client;
        const text = await client.get(graphKey(opts.queueName, graphSha256));
        if (text === null)
          throw new Error(
            `the graph ${graphSha256.slice(0, 12)}… of this item is not in Redis (expired?); run the producer again`,
          );
        graphs.set(graphSha256, (graphText = text));
      }
      const { record, pngs } = await opts.pool.run({
        graphSha256,
        graphText,
        target,
        name,
        bytes: base64ToBytes(input),
      });
      const result = {
        record,
        pngs: Object.fromEntries([...pngs].map(([file, bytes]) => [file, bytesToBase64(bytes)])),
      };
      opts.onJob?.(record, { jobId: job.id!, attempt: job.attemptsMade + 1, started, ended: performance.now() });
      return result;
    },
    {
      connection,
      concurrency: opts.pool.size,
      lockDuration,
      stalledInterval: Math.max(500, Math.round(lockDuration / 2)),
      maxStalledCount: 3,
    },
  );
  await worker.waitUntilReady();
  return worker;
}
