// A pool of runner processes (runner.ts), one item at a time each: --concurrency N runs N items
// side by side on N cores. Processes rather than worker threads: onnxruntime-node's native
// sessions and the wasm build each get a process of their own, and a runner that crashes (out of
// memory on a huge image) fails its item and is replaced without taking the batch down.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ItemRecord } from '../../src/batch/item';
import type { NodeBackendChoice } from '../../src/workers/node/ort-node';
import type { RunnerItem, RunnerMessage } from './runner';

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));

export interface PoolOptions {
  size: number;
  models: string;
  backend: NodeBackendChoice;
  /** intra-op threads of each native session (1: one core per runner) */
  threads?: number;
}

export interface PoolTask {
  graphSha256: string;
  graphText: string;
  target: string;
  name: string;
  bytes: Uint8Array;
}

export interface PoolResult {
  record: ItemRecord;
  pngs: Map<string, Uint8Array>;
  /** the runner's CPU time for the item (all its threads), ms */
  cpuMs: number;
}

interface Runner {
  child: ChildProcess;
  graphs: Set<string>;
  ready: boolean;
  busy: { id: number; task: PoolTask; resolve: (r: PoolResult) => void; reject: (e: Error) => void } | null;
}

export class RunnerPool {
  private runners: Runner[] = [];
  private waiting: { task: PoolTask; resolve: (r: PoolResult) => void; reject: (e: Error) => void }[] = [];
  private nextId = 1;
  private closed = false;
  backend: 'native' | 'wasm' = 'wasm';
  fallback: string | undefined;

  private constructor(private readonly options: PoolOptions) {}

  static async start(options: PoolOptions): Promise<RunnerPool> {
    const pool = new RunnerPool(options);
    await Promise.all(Array.from({ length: Math.max(1, options.size) }, () => pool.spawn()));
    return pool;
  }

  get size(): number {
    return this.runners.length;
  }

  private spawn(): Promise<void> {
    const { models, backend, threads = 1 } = this.options;
    // the parent's exec flags (tsx's loader) let the runner run TypeScript too
    const child = fork(RUNNER, ['--models', models, '--backend', backend, '--threads', String(threads)], {
      execArgv: process.execArgv,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const runner: Runner = { child, graphs: new Set(), ready: false, busy: null };
    this.runners.push(runner);
    return new Promise((resolve, reject) => {
      child.on('message', (m: RunnerMessage) => {
        if (m.type === 'ready') {
          runner.ready = true;
          this.backend = m.backend;
          this.fallback = m.fallback;
          resolve();
          this.pump();
          return;
        }
        const busy = runner.busy;
        if (!busy || busy.id !== m.id) return;
        runner.busy = null;
        if (m.type === 'result')
          busy.resolve({
            record: m.record,
            pngs: new Map(m.pngs.map(([f, b]) => [f, new Uint8Array(b)])),
            cpuMs: m.cpuMs,
          });
        else busy.reject(new Error(m.message));
        this.pump();
      });
      child.on('exit', (code, signal) => {
        this.runners = this.runners.filter((r) => r !== runner);
        if (!runner.ready) reject(new Error(`a batch runner process failed to start (exit ${code ?? signal})`));
        if (runner.busy)
          runner.busy.reject(
            new Error(`the runner process died while running this item (${signal ?? `exit ${code}`})`),
          );
        if (!this.closed && runner.ready) this.spawn().catch(() => undefined);
      });
    });
  }

  /** Runs one item on the next free runner. */
  run(task: PoolTask): Promise<PoolResult> {
    if (this.closed) return Promise.reject(new Error('the runner pool is closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    for (const runner of this.runners) {
      if (runner.busy || !runner.ready || !runner.child.connected) continue;
      const next = this.waiting.shift();
      if (!next) return;
      const id = this.nextId++;
      runner.busy = { id, ...next };
      const { task } = next;
      const message: RunnerItem = {
        type: 'item',
        id,
        graphSha256: task.graphSha256,
        target: task.target,
        name: task.name,
        bytes: task.bytes,
        ...(runner.graphs.has(task.graphSha256) ? {} : { graphText: task.graphText }),
      };
      runner.graphs.add(task.graphSha256);
      runner.child.send(message);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.waiting.splice(0)) w.reject(new Error('the runner pool closed'));
    await Promise.all(
      this.runners.map(
        (r) =>
          new Promise<void>((resolve) => {
            if (r.child.exitCode !== null || r.child.signalCode !== null) return resolve();
            r.child.once('exit', () => resolve());
            r.child.disconnect();
          }),
      ),
    );
  }
}
