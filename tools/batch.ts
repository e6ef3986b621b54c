// The headless batch:
//   npm run batch -- <file.dge.json> --inputs <folder|zip|glob> --out <dir> [--concurrency N]
//                    [--queue redis://host:port] [--node <load-face id>] [--backend auto|native|wasm]
// runs the graph once per image (fed to its Load Face node). <dir> gets the result PNGs (named by
// content hash, graph embedded), batch-manifest.jsonl (rerunning the same command resumes from
// it and recomputes nothing) and results.csv. One JSON line per item on stdout, a progress bar on
// a terminal (stderr). Exit codes: 0 every item done, 1 some items failed (named on stderr),
// 2 bad usage, invalid graph or no inputs, 3 a missing model pack.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { batchTarget, itemKey, resultOutputs, textSha256, valueColumns, type ItemRecord } from '../src/batch/item';
import { MANIFEST_FORMAT } from '../src/batch/manifest';
import { nodeRegistry } from '../src/nodes';
import { createNodePackRuntime } from '../src/workers/node/context';
import type { NodeBackendChoice } from '../src/workers/node/ort-node';
import { listInputs, type InputRef } from './batch/inputs';
import { BatchOutput } from './batch/output';
import { RunnerPool } from './batch/pool';
import { DEFAULT_QUEUE_NAME, produce, type JobResult } from './batch/queue';
import { ExitError, checkPacks, readGraph, runCli } from './run-graph';
import { backendChoice, optionValue, wholeNumber } from './batch/args';
import { sha256Hex } from '../src/graph/hash';

const USAGE = `usage: npm run batch -- <file.dge.json> --inputs <folder|zip|glob> --out <dir> [--concurrency N]
         [--queue redis://host:port [--queue-name name]] [--node <load-face id>] [--backend auto|native|wasm]
         [--models <dir>] [--quiet]`;

export interface BatchArgs {
  file: string;
  inputs: string[];
  out: string;
  concurrency: number;
  queue: string | null;
  queueName: string;
  node: string | undefined;
  backend: NodeBackendChoice;
  models: string;
  quiet: boolean;
}

export const defaultModels = () => fileURLToPath(new URL('../models', import.meta.url));

export function parseBatchArgs(argv: string[]): BatchArgs {
  const args: BatchArgs = {
    file: '',
    inputs: [],
    out: '',
    concurrency: Math.max(1, Math.min(availableParallelism(), 4)),
    queue: null,
    queueName: DEFAULT_QUEUE_NAME,
    node: undefined,
    backend: 'auto',
    models: defaultModels(),
    quiet: false,
  };
  for (const at = { i: 0 }; at.i < argv.length; at.i++) {
    const a = argv[at.i]!;
    const value = () => optionValue(argv, at, USAGE);
    if (a === '--inputs') args.inputs.push(value());
    else if (a === '--out') args.out = value();
    else if (a === '--concurrency') args.concurrency = wholeNumber(a, value(), 1, 64);
    else if (a === '--queue') args.queue = value();
    else if (a === '--queue-name') args.queueName = value();
    else if (a === '--node') args.node = value();
    else if (a === '--models') args.models = value();
    else if (a === '--backend') args.backend = backendChoice(value());
    else if (a === '--quiet') args.quiet = true;
    else if (a === '--help' || a === '-h') throw new ExitError(USAGE, 0);
    else if (a.startsWith('-')) throw new ExitError(`unknown option ${a}\n${USAGE}`, 2);
    else if (!args.file) args.file = a;
    else throw new ExitError(`unexpected argument ${a}\n${USAGE}`, 2);
  }
  if (!args.file) throw new ExitError(`no graph file given\n${USAGE}`, 2);
  if (!args.inputs.length) throw new ExitError(`no inputs given (--inputs <folder|zip|glob>)\n${USAGE}`, 2);
  if (!args.out) throw new ExitError(`no output directory given (--out)\n${USAGE}`, 2);
  return args;
}

/** The graph file, validated as the headless run does, with the sha256 of its text (the resume keys depend on it). */
export async function readBatchGraph(file: string, log: (m: string) => void) {
  const graph = await readGraph(file, log);
  return { ...graph, sha256: await textSha256(graph.text) };
}

interface PlannedItem {
  key: string;
  name: string;
  ref: InputRef;
}

export async function runBatch(argv: string[], log: (m: string) => void = (m) => console.error(m)): Promise<number> {
  const args = parseBatchArgs(argv);
  const graph = await readBatchGraph(args.file, log);
  let target: string;
  try {
    target = batchTarget(graph.doc, args.node);
  } catch (e) {
    throw new ExitError(`${args.file}: ${(e as Error).message}`, 2);
  }

  const refs: InputRef[] = [];
  for (const spec of args.inputs) {
    try {
      refs.push(...(await listInputs(spec)));
    } catch (e) {
      throw new ExitError((e as Error).message, 2);
    }
  }
  if (!refs.length) throw new ExitError(`no images (.png, .jpg, .jpeg, .webp) found in ${args.inputs.join(', ')}`, 2);

  const output = await BatchOutput.open(
    args.out,
    { format: MANIFEST_FORMAT, version: 1, graph: { name: graph.doc.name, sha256: graph.sha256 }, target },
    { warn: log },
  );
  // the resume key needs each input's content: a changed file under the same name runs again
  const planned: PlannedItem[] = [];
  const pending: PlannedItem[] = [];
  const resumed: ItemRecord[] = [];
  const readErrors = new Map<string, string>();
  for (const ref of refs) {
    let inputSha = '';
    try {
      inputSha = await sha256Hex(await ref.read());
    } catch (e) {
      readErrors.set(ref.name, (e as Error).message);
    }
    const item = { key: await itemKey(graph.sha256, ref.name, inputSha), name: ref.name, ref };
    planned.push(item);
    const done = readErrors.has(ref.name) ? null : await output.resumable(item.key);
    if (done) resumed.push(done);
    else pending.push(item);
  }
  const showBar = !args.quiet && Boolean(process.stderr.isTTY);
  output.start(planned.length, showBar);
  for (const r of resumed) output.resumed(r);
  if (resumed.length && !showBar)
    log(`resuming: ${resumed.length} of ${planned.length} items already done in ${args.out}`);

  const failItem = (item: PlannedItem, message: string) =>
    output.finished(
      {
        key: item.key,
        name: item.name,
        inputSha256: '',
        status: 'error',
        error: `${item.name}: ${message}`,
        images: [],
        values: {},
        ms: 0,
      },
      new Map(),
    );

  let backendNote = '';
  if (args.queue) {
    const runnable = pending.filter((p) => !readErrors.has(p.name));
    for (const p of pending) if (readErrors.has(p.name)) await failItem(p, readErrors.get(p.name)!);
    if (runnable.length && !args.quiet)
      log(
        `queued ${runnable.length} item(s) on ${args.queue} ("${args.queueName}"); workers take them: npm run worker -- --queue ${args.queue}${args.queueName === DEFAULT_QUEUE_NAME ? '' : ` --queue-name ${args.queueName}`}`,
      );
    try {
      await produce({
        url: args.queue,
        queueName: args.queueName,
        graphText: graph.text,
        graphSha256: graph.sha256,
        target,
        items: runnable.map((p) => ({ key: p.key, name: p.name, read: () => p.ref.read() })),
        finishedKeys: resumed.map((r) => r.key),
        onResult: async (_key, result: JobResult) => {
          const pngs = new Map(
            Object.entries(result.pngs).map(([f, b64]) => [f, Uint8Array.from(Buffer.from(b64, 'base64'))]),
          );
          await output.finished(result.record, pngs);
        },
        onFailed: async (key, message) =>
          failItem(
            runnable.find((p) => p.key === key)!,
            message,
          ),
      });
    } catch (e) {
      throw new ExitError(`queue ${args.queue}: ${(e as Error).message}`, 1);
    }
    backendNote = `queue ${args.queue} (${args.queueName})`;
  } else if (pending.length) {
    const packs = createNodePackRuntime(args.models);
    await checkPacks(graph.doc, packs, args.models, log);
    await packs.dispose();
    const pool = await RunnerPool.start({
      size: Math.min(args.concurrency, pending.length),
      models: args.models,
      backend: args.backend,
    });
    if (pool.fallback) log(`note: ${pool.fallback}; running models with onnxruntime-web (wasm)`);
    backendNote = `${pool.size} runner${pool.size > 1 ? 's' : ''}, ${pool.backend}`;
    try {
      // a bounded number of items in flight: a big batch is not read into memory at once
      let next = 0;
      const lane = async () => {
        while (next < pending.length) {
          const item = pending[next++]!;
          if (readErrors.has(item.name)) {
            await failItem(item, readErrors.get(item.name)!);
            continue;
          }
          try {
            const bytes = await item.ref.read();
            const { record, pngs } = await pool.run({
              graphSha256: graph.sha256,
              graphText: graph.text,
              target,
              name: item.name,
              bytes,
            });
            await output.finished(record, pngs);
          } catch (e) {
            await failItem(item, (e as Error).message);
          }
        }
      };
      await Promise.all(Array.from({ length: pool.size }, lane));
    } finally {
      await pool.close();
    }
  }

  const { failed, csv } = await output.close(
    planned.map((p) => p.key),
    resultOutputs(graph.doc, nodeRegistry).map((r) => r.label),
    valueColumns(graph.doc, nodeRegistry),
  );
  const doneCount = planned.length - failed.length;
  if (!args.quiet) {
    log(
      `${doneCount} of ${planned.length} items done (${resumed.length} resumed${backendNote ? `; ${backendNote}` : ''}); results in ${args.out}, table ${csv}`,
    );
  }
  if (failed.length) {
    throw new ExitError(
      `${failed.length} item${failed.length > 1 ? 's' : ''} failed:\n  ${failed.map((r) => r.error ?? r.name).join('\n  ')}`,
      1,
    );
  }
  return 0;
}

runCli(import.meta.url, () => runBatch(process.argv.slice(2)));
