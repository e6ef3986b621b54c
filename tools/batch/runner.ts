// A batch runner process (forked by pool.ts): one executor, one pack runtime, items one at a time.
// The graph of an item arrives once per process (by its sha256) and stays parsed; the executor's
// content-hash cache keeps the nodes that do not depend on the image (Synthetic Pair, Encode
// Delta) from item to item. Exits when its parent goes away (a killed worker leaves no orphans).
import { parseGraphFile, type GraphDocument } from '../../src/graph/document';
import { Executor } from '../../src/graph/executor';
import type { AssetStore } from '../../src/graph/types';
import { runItem } from '../../src/batch/item';
import { nodeRegistry } from '../../src/nodes';
import { assetStoreFromDoc } from '../../src/graph/assets';
import { createNodePackRuntime, nodeContextFactory } from '../../src/workers/node/context';
import { loadNodeBackend, type NodeBackendChoice } from '../../src/workers/node/ort-node';

export interface RunnerItem {
  type: 'item';
  id: number;
  graphSha256: string;
  /** sent with the first item of a graph a runner has not seen */
  graphText?: string;
  target: string;
  name: string;
  bytes: Uint8Array;
}

export type RunnerMessage =
  | { type: 'ready'; backend: 'native' | 'wasm'; fallback?: string }
  /** cpuMs: this process's CPU time (all its threads) for the item */
  | {
      type: 'result';
      id: number;
      record: import('../../src/batch/item').ItemRecord;
      pngs: [string, Uint8Array][];
      cpuMs: number;
    }
  | { type: 'failed'; id: number; message: string };

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

async function main() {
  const backend = await loadNodeBackend(arg('--backend', 'auto') as NodeBackendChoice, Number(arg('--threads', '1')));
  const packs = createNodePackRuntime(arg('--models', 'models'), backend.runtime);
  // the assets of the item being run (its image is an embedded asset of its copy of the graph)
  let assets: AssetStore = assetStoreFromDoc({});
  const executor = new Executor(nodeRegistry, nodeContextFactory(packs, { get: (id) => assets.get(id) }), {
    cacheBytes: 256 * 1024 * 1024,
  });
  const graphs = new Map<string, GraphDocument>();
  const send = (m: RunnerMessage) => process.send!(m);

  let queue = Promise.resolve();
  process.on('message', (m: RunnerItem) => {
    if (m?.type !== 'item') return;
    queue = queue.then(async () => {
      try {
        let doc = graphs.get(m.graphSha256);
        if (!doc) {
          if (m.graphText === undefined)
            throw new Error(`graph ${m.graphSha256.slice(0, 12)} was never sent to this runner`);
          const parsed = parseGraphFile(m.graphText, nodeRegistry);
          if (!parsed.ok) throw new Error(`the graph is not valid: ${parsed.errors.join('; ')}`);
          doc = parsed.doc;
          graphs.set(m.graphSha256, doc);
        }
        const cpu = process.cpuUsage();
        const bytes = m.bytes instanceof Uint8Array ? m.bytes : new Uint8Array(m.bytes as ArrayLike<number>);
        const result = await runItem(
          executor,
          { name: m.name, bytes },
          {
            doc,
            registry: nodeRegistry,
            target: m.target,
            graphSha256: m.graphSha256,
            beforeRun: (d) => (assets = assetStoreFromDoc(d.assets as Record<string, { data: string }>)),
          },
        );
        const used = process.cpuUsage(cpu);
        send({
          type: 'result',
          id: m.id,
          record: result.record,
          pngs: [...result.pngs],
          cpuMs: (used.user + used.system) / 1000,
        });
      } catch (e) {
        send({ type: 'failed', id: m.id, message: (e as Error).message });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', backend: backend.name, ...(backend.fallback ? { fallback: backend.fallback } : {}) });
}

main().catch((e) => {
  console.error(`batch runner: ${(e as Error).message}`);
  process.exit(1);
});
