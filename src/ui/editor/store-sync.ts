// store → Rete: a serialised, coalesced diff. Rete never owns data: this mirrors the store's
// document into the editor after every structural change (nodes, wires, positions).
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import { markRaw } from 'vue';
import type { GraphNodeRecord, GraphStore } from './graph-store';
import { ReteConnection, ReteNode, nodeSignature, type AreaExtra, type Schemes } from './rete-node';
import { timeSlicer } from './scheduling';
import type { Viewport } from './viewport';

export interface StoreSync {
  /** mirror the store now (after any sync already running); calls made meanwhile share one run */
  sync(): Promise<void>;
  /** the sync queue, to wait for a sync already requested */
  settled(): Promise<void>;
  /** whether a sync is applying changes (gestures it causes are not store edits) */
  busy(): boolean;
}

export function createStoreSync(options: {
  container: HTMLElement;
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
  store: GraphStore;
  viewport: Viewport;
  unselect(id: string): Promise<void>;
  onError(message: string): void;
}): StoreSync {
  const { container, editor, area, store, viewport } = options;
  let syncing = 0;
  let queue: Promise<void> = Promise.resolve();
  let pending = false;

  function sync(): Promise<void> {
    if (pending) return queue;
    pending = true;
    queue = queue.then(async () => {
      pending = false;
      syncing++;
      // e2e and benchmark hook: the editor is mirroring a change; data-graph-nodes is how many nodes it holds
      container.setAttribute('aria-busy', 'true');
      try {
        await applyStore();
      } catch (err) {
        options.onError(`Editor sync failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        syncing--;
        container.dataset.graphNodes = String(editor.getNodes().length);
        if (!pending) container.setAttribute('aria-busy', 'false');
      }
    });
    return queue;
  }

  async function applyStore(): Promise<void> {
    const doc = store.doc;
    const docNodes = new Map(doc.nodes.map((n) => [n.id, n]));
    const docConnections = new Map(doc.connections.map((c) => [c.id, c]));
    const rebuild = new Set<string>();
    for (const n of editor.getNodes()) {
      const record = docNodes.get(n.id);
      if (!record) continue;
      if (n.signature !== nodeSignature(store, record)) rebuild.add(n.id);
      else n.record = record; // undo/redo hands out fresh records; the view reads the store anyway
    }
    const slice = timeSlicer();
    for (const c of editor.getConnections()) {
      const record = docConnections.get(c.id);
      const stale =
        !record ||
        rebuild.has(c.source) ||
        rebuild.has(c.target) ||
        record.from.node !== c.source ||
        record.to.node !== c.target ||
        record.from.socket !== c.sourceOutput ||
        record.to.socket !== c.targetInput;
      if (stale) {
        await slice();
        await editor.removeConnection(c.id);
      }
    }
    for (const n of editor.getNodes()) {
      if (!docNodes.has(n.id) || rebuild.has(n.id)) {
        await slice();
        await options.unselect(n.id);
        await editor.removeNode(n.id);
      }
    }
    const missing: GraphNodeRecord[] = [];
    for (const record of doc.nodes) {
      if (!editor.getNode(record.id)) {
        missing.push(record);
        continue;
      }
      const view = area.nodeViews.get(record.id);
      if (view && (view.position.x !== record.position[0] || view.position.y !== record.position[1])) {
        await slice();
        await view.translate(record.position[0], record.position[1]);
      }
    }
    // New nodes are created nearest-to-the-view first, in slices that give the main thread back
    // (each node view is a Vue app: 500 of them in one go were a 450-ms task). In a big graph
    // only those in view get their view (viewport.ts); the rest are boxes until scrolled to.
    for (const record of viewport.byDistanceToView(missing)) {
      await slice();
      if (store.doc !== doc) return; // another graph was opened meanwhile: the next sync builds that one
      const node = new ReteNode(record, store);
      await editor.addNode(node);
      await area.translate(node.id, { x: record.position[0], y: record.position[1] });
    }
    for (const record of doc.connections) {
      if (editor.getConnection(record.id)) continue;
      await slice();
      if (store.doc !== doc) return;
      const source = editor.getNode(record.from.node);
      const target = editor.getNode(record.to.node);
      // a wire to a socket the node does not have is left in the document (graph core reports it) but not drawn
      if (!source || !target || !source.outputs[record.from.socket] || !target.inputs[record.to.socket]) continue;
      const conn = new ReteConnection(source, record.from.socket as never, target, record.to.socket as never);
      conn.id = record.id;
      conn.socketType = source.outputs[record.from.socket]!.socket.name;
      await editor.addConnection(markRaw(conn));
    }
  }

  return {
    sync,
    settled: () => queue,
    busy: () => syncing > 0,
  };
}
