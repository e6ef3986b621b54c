// A queue worker: npm run worker -- --queue redis://host:port [--concurrency N] [--models <dir>]
//                                    [--backend auto|native|wasm] [--queue-name name] [--lock-ms ms]
// Takes batch items from the BullMQ queue that `npm run batch -- … --queue` fills, runs them with
// the same runner processes as a local batch, and hands the result PNGs back through Redis (no
// shared disk needed). One JSON line per item it ran on stdout. Ctrl-C (SIGINT/SIGTERM) finishes
// the items in hand and stops; a worker killed outright has its items run again elsewhere after
// the lock time (--lock-ms, default 30 s).
import { availableParallelism } from 'node:os';
import type { NodeBackendChoice } from '../src/workers/node/ort-node';
import { RunnerPool } from './batch/pool';
import { DEFAULT_QUEUE_NAME, redisConnection, startWorker } from './batch/queue';
import { defaultModels } from './batch';
import { ExitError, runCli } from './run-graph';
import { backendChoice, optionValue, wholeNumber } from './batch/args';

const USAGE =
  'usage: npm run worker -- --queue redis://host:port [--concurrency N] [--models <dir>] [--backend auto|native|wasm] [--queue-name name] [--lock-ms ms]';

function parseArgs(argv: string[]) {
  const args = {
    queue: '',
    concurrency: Math.max(1, Math.min(availableParallelism(), 4)),
    models: defaultModels(),
    backend: 'auto' as NodeBackendChoice,
    queueName: DEFAULT_QUEUE_NAME,
    lockMs: 30_000,
  };
  for (const at = { i: 0 }; at.i < argv.length; at.i++) {
    const a = argv[at.i]!;
    const value = () => optionValue(argv, at, USAGE);
    if (a === '--queue') args.queue = value();
    else if (a === '--concurrency') args.concurrency = wholeNumber(a, value(), 1, 64);
    else if (a === '--models') args.models = value();
    else if (a === '--queue-name') args.queueName = value();
    else if (a === '--lock-ms') args.lockMs = wholeNumber(a, value(), 200, 3_600_000);
    else if (a === '--backend') args.backend = backendChoice(value());
    else if (a === '--help' || a === '-h') throw new ExitError(USAGE, 0);
    else throw new ExitError(`unexpected argument ${a}\n${USAGE}`, 2);
  }
  if (!args.queue) throw new ExitError(`no queue given (--queue redis://host:port)\n${USAGE}`, 2);
  try {
    redisConnection(args.queue);
  } catch (e) {
    throw new ExitError((e as Error).message, 2);
  }
  return args;
}

/** Runs until SIGINT/SIGTERM, then finishes the items in hand and resolves with exit code 0. */
export async function runWorker(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  const pool = await RunnerPool.start({ size: args.concurrency, models: args.models, backend: args.backend });
  if (pool.fallback) console.error(`note: ${pool.fallback}; running models with onnxruntime-web (wasm)`);
  const worker = await startWorker({
    url: args.queue,
    queueName: args.queueName,
    pool,
    lockMs: args.lockMs,
    onJob: (record, info) =>
      console.log(
        JSON.stringify({
          job: info.jobId,
          file: record.name,
          status: record.status,
          attempt: info.attempt,
          ms: Math.round(record.ms),
          pid: process.pid,
        }),
      ),
  });
  worker.on('error', (e) => console.error(`worker: ${e.message}`));
  console.error(
    `worker ${process.pid}: ${pool.size} runner${pool.size > 1 ? 's' : ''} (${pool.backend}) on ${args.queue} queue "${args.queueName}"`,
  );
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      console.error(`worker ${process.pid}: finishing the items in hand, then stopping`);
      await worker.close();
      await pool.close();
      resolve(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

runCli(import.meta.url, () => runWorker(process.argv.slice(2)));
