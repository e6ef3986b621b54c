// The UI side of the engine worker (interface 5): starts it, forwards runs, turns its events into
// node states and previews, and restarts it if it crashes. Model work never runs on this thread.
import * as Comlink from 'comlink';
import type { PackManifest, NodeSpec } from '../graph/types';
import type { Engine, EngineEvent, RunSummary } from '../workers/engine';
import type { SweepOptions, SweepResult } from '../workers/alpha-sweep';
import type { GraphDocument } from '../graph/document';
import type { EditorGraph } from './editor/graph-store';
import {
  appState,
  clearPreview,
  notify,
  setNodeProgress,
  setNodeState,
  setNodeValue,
  setPreview,
} from './editor/run-state';
import { applyPackListing, readEpPreference } from './packs/pack-state';
import { nextTask } from './editor/scheduling';

export type { EngineEvent, RunSummary };

export interface EngineClientOptions {
  /** the document to run; read when a scheduled run actually starts */
  getDoc(): EditorGraph;
  /** called when a run finishes (for autosave thumbnails, benchmarks) */
  onRunEnd?(summary: RunSummary): void;
}

export function modelsBaseUrl(): string {
  return new URL(`${import.meta.env.BASE_URL}models/`, location.href).href;
}

export interface EngineReady {
  packs: PackManifest[];
  catalog: NodeSpec[];
  defaultPack: string;
}

export class EngineClient {
  private worker!: Worker;
  private api!: Comlink.Remote<Engine>;
  private generation = 0;
  private ready!: Promise<EngineReady>;
  private runRequested = false;
  private latestRunId = 0;
  private runsIssued = 0;
  private crashTimes: number[] = [];
  /** why the engine is given up on (it kept crashing), or null */
  private dead: string | null = null;
  private failStart: (err: Error) => void = () => undefined;

  constructor(private options: EngineClientOptions) {
    this.start();
  }

  /** Resolves once the worker answered init and nodeCatalog. */
  whenReady(): Promise<EngineReady> {
    return this.ready;
  }

  private start(): void {
    const generation = ++this.generation;
    this.worker = new Worker(new URL('../workers/engine.worker.ts', import.meta.url), {
      type: 'module',
      name: 'engine',
    });
    this.worker.addEventListener('error', (e) => this.crashed(generation, e.message || 'the engine worker failed'));
    this.worker.addEventListener('messageerror', () =>
      this.crashed(generation, 'the engine worker sent an unreadable message'),
    );
    this.api = Comlink.wrap<Engine>(this.worker);
    const failed = new Promise<never>((_, reject) => (this.failStart = reject));
    const started = (async () => {
      // the chosen execution provider (settings) applies before any session is made
      await this.api.setExecutionProvider(readEpPreference());
      const init = await this.api.init({ modelsBaseUrl: modelsBaseUrl() });
      applyPackListing(init);
      // the catalog carries the pack default chosen by init, so ask for it afterwards
      const catalog = await this.api.nodeCatalog();
      appState.packs = init.packs;
      appState.defaultPack = init.defaultPack;
      appState.engineReady = true;
      for (const m of init.missing) notify('error', `Model pack "${m.id}" could not be loaded: ${m.error}`, 10000);
      return { packs: init.packs, catalog, defaultPack: init.defaultPack };
    })();
    this.ready = Promise.race([started, failed]);
    this.ready.catch((err: unknown) => notify('error', `Engine failed to start: ${errorText(err)}`, 15000));
  }

  private crashed(generation: number, message: string): void {
    if (generation !== this.generation) return;
    const wasReady = appState.engineReady;
    appState.engineReady = false;
    appState.running = false;
    this.worker.terminate();
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < 60_000), now];
    // a worker that cannot even start (or keeps dying) would restart forever: stop and say so
    if (!wasReady || this.crashTimes.length > 3) {
      this.generation++;
      this.dead = `the engine stopped: ${message}`;
      this.failStart(new Error(message));
      if (wasReady) notify('error', `${this.dead}. Reload the page to try again; your graph is autosaved.`, 30000);
      return;
    }
    notify('error', `The engine crashed (${message}); restarting it. Your graph is kept.`, 8000);
    this.start();
    void this.ready.then(() => this.requestRun());
  }

  /**
   * Ask for a run in the task after this one: the changes of one gesture (a paste, an undo, a
   * param and the params that follow it) make one run, and sending the document (a structured
   * clone: tens of ms for a 10,000-node graph) is not added to the task that changed it. Not at
   * the next animation frame: that wait (up to a frame, 8 ms on average) was on the path from a
   * slider to its pixels; a slider's input events come at most once a frame anyway, and a newer
   * run cancels the one in flight.
   */
  requestRun(): void {
    if (this.runRequested) return;
    this.runRequested = true;
    void nextTask().then(() => {
      this.runRequested = false;
      void this.runNow();
    });
  }

  /** Start a run of the current document now; a run still in flight is cancelled by the engine. */
  async runNow(): Promise<RunSummary | null> {
    if (this.dead) return null;
    const generation = this.generation;
    await this.ready;
    const doc = this.options.getDoc();
    const issued = ++this.runsIssued;
    appState.running = true;
    try {
      const summary = await this.api.run(
        doc,
        Comlink.proxy((e: EngineEvent) => this.onEvent(e)),
      );
      if (generation !== this.generation) return null;
      if (issued === this.runsIssued) {
        appState.running = false;
        if (summary.status !== 'cancelled') {
          appState.lastRunMs = summary.ms;
          appState.lastRun = {
            executed: summary.executed.length,
            cached: summary.cached.length,
            status: summary.status,
          };
        }
      }
      this.options.onRunEnd?.(summary);
      return summary;
    } catch (err) {
      if (generation === this.generation) {
        appState.running = false;
        notify('error', `Run failed: ${errorText(err)}`);
      }
      return null;
    }
  }

  /** The UI dropped its previews (another graph opened): have the engine send them again. */
  async forgetPreviews(): Promise<void> {
    await this.ready;
    await this.api.forgetPreviews();
  }

  /** A full-size image output of the last run (PNG export). */
  async imageOutput(
    nodeId: string,
    output = 'image',
  ): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
    await this.ready;
    return this.api.imageOutput(nodeId, output);
  }

  /** A delta output of the last run as a `.delta.json` text (Save delta). */
  async deltaOutput(nodeId: string, output = 'delta'): Promise<ReturnType<Engine['deltaOutput']>> {
    await this.ready;
    return this.api.deltaOutput(nodeId, output);
  }

  /** The α sweep of a Scale / Aim node as an animated GIF, made in the worker. */
  async alphaSweepGif(doc: GraphDocument, nodeId: string, options: SweepOptions = {}): Promise<SweepResult> {
    await this.ready;
    return this.api.alphaSweepGif(doc, nodeId, options);
  }

  /** The model manager's calls (src/ui/packs/manager-client.ts) on the worker's engine. */
  async withEngine<T>(call: (api: Comlink.Remote<Engine>) => Promise<T>): Promise<T> {
    await this.ready;
    const result = await call(this.api);
    // a pack change re-creates the worker's executor, whose run ids start again at 1
    this.latestRunId = 0;
    return result;
  }

  async cancel(): Promise<void> {
    await this.api.cancel();
  }

  private onEvent(e: EngineEvent): void {
    if (e.runId < this.latestRunId) return; // a late event of an overtaken run
    switch (e.type) {
      case 'run-start':
        this.latestRunId = e.runId;
        break;
      case 'node-state':
        setNodeState(e.nodeId, e.state, e.message ?? '');
        if (e.state === 'error') clearPreview(e.nodeId);
        break;
      case 'node-progress':
        setNodeProgress(e.nodeId, e.fraction);
        break;
      case 'node-value':
        setNodeValue(e.nodeId, e.output, e.value);
        break;
      case 'node-preview':
        setPreview(e.nodeId, { output: e.output, width: e.width, height: e.height, rgba: e.rgba });
        break;
      case 'run-end':
        break;
    }
  }

  dispose(): void {
    this.generation++;
    this.worker.terminate();
  }
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
