// The Rete v2 view of the graph store. Rete never owns data: user gestures become store
// mutations, and every store change is mirrored back into Rete by a diffing sync.
import { ClassicPreset, GetSchemes, NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { ConnectionPlugin, ClassicFlow, getSourceTarget } from 'rete-connection-plugin';
import { canConnect } from '../../graph/validate';
import { ContextMenuPlugin, type ContextMenuExtra } from 'rete-context-menu-plugin';
import { MinimapPlugin, type MinimapExtra } from 'rete-minimap-plugin';
import { Presets, VuePlugin, type RenderPreset, type VueArea2D } from 'rete-vue-plugin';
import { markRaw } from 'vue';
import type { SocketType } from '../../graph/types';
import type { GraphNodeRecord, GraphStore, ClipboardFragment } from './graph-store';
import { notify, setSimplified } from './run-state';
import { LayoutSocketPosition, PORTS_TOP, PORT_PITCH } from './socket-layout';
import GraphNodeView from '../nodes/GraphNodeView.vue';
import FrameView from '../nodes/FrameView.vue';
import { addFrame, frameMenu, frameSize, installFrames, isFrame } from './frames';
import { fitTransform } from './fit';
import MinimapCanvas from './MinimapCanvas.vue';
import WireView from '../nodes/WireView.vue';

export const NODE_WIDTH = 248;
/** nodes created (and drawn) before the rest of a big graph's are held back, and how many are revealed per task after */
const FIRST_SCREENFUL = 40;
const REVEAL_SLICE = 60;
/** below this zoom nodes are drawn without params and previews (unreadable anyway) */
const DETAIL_MIN_ZOOM = 0.4;

const sockets = new Map<string, ClassicPreset.Socket>();
function socketOf(type: SocketType | string): ClassicPreset.Socket {
  let s = sockets.get(type);
  if (!s) sockets.set(type, (s = new ClassicPreset.Socket(type)));
  return s;
}

/** A Rete node mirroring one graph node; the Vue view reads everything else from the store. */
export class ReteNode extends ClassicPreset.Node {
  width = NODE_WIDTH;
  height: number;
  declare selected?: boolean;
  /** sockets and type, to know when a node must be rebuilt rather than moved */
  signature: string;

  constructor(
    public record: GraphNodeRecord,
    readonly store: GraphStore,
  ) {
    super(store.catalog.get(record.type)?.title ?? record.type);
    this.id = record.id;
    const inputs = store.inputsOf(record);
    const outputs = store.outputsOf(record);
    for (const s of inputs) this.addInput(s.name, new ClassicPreset.Input(socketOf(s.type), s.label, !!s.multi));
    for (const s of outputs) this.addOutput(s.name, new ClassicPreset.Output(socketOf(s.type), s.label));
    this.signature = nodeSignature(store, record);
    this.height = estimateNodeHeight(store, record);
    if (isFrame(record)) [this.width, this.height] = frameSize(record);
    markRaw(this);
  }
}

/** A height estimate for fit-view, the minimap and culling: the DOM is not measured (500 nodes would thrash layout). */
export function estimateNodeHeight(store: GraphStore, record: GraphNodeRecord): number {
  const def = store.catalog.get(record.type);
  const ports = Math.max(store.inputsOf(record).length, store.outputsOf(record).length);
  const params = def?.params.reduce((h, p) => h + (p.kind === 'image' ? 54 : p.kind === 'number' ? 43 : 27), 10) ?? 40;
  return PORTS_TOP + PORT_PITCH * ports + params + (def?.preview ? 124 : 0) + 8;
}

export class ReteConnection extends ClassicPreset.Connection<ReteNode, ReteNode> {
  socketType = 'image';
}

function nodeSignature(store: GraphStore, record: GraphNodeRecord): string {
  const ins = store.inputsOf(record).map((s) => `${s.name}:${s.type}:${s.multi ? 1 : 0}`);
  const outs = store.outputsOf(record).map((s) => `${s.name}:${s.type}`);
  return `${record.type}|${ins.join(',')}|${outs.join(',')}`;
}

type Schemes = GetSchemes<ReteNode, ReteConnection>;
type AreaExtra = VueArea2D<Schemes> | ContextMenuExtra | MinimapExtra;

/** The stock minimap preset's data, drawn by MinimapCanvas instead of one element per node. */
function canvasMinimapPreset(size: number): RenderPreset<Schemes, AreaExtra> {
  const propsOf = (context: Extract<AreaExtra, { type: 'render' }>) => {
    if (context.data.type !== 'minimap') return undefined;
    const { nodes, ratio, viewport, translate, point } = context.data;
    return { size, nodes, ratio, viewport, translate, point };
  };
  return {
    update: (context) => propsOf(context),
    render: (context) => {
      const props = propsOf(context);
      return props && { component: MinimapCanvas, props };
    },
  };
}

/** Resolves on the next turn of the event loop (a message, not a clamped timer): input and paint can run. */
function nextTask(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (scheduler?.yield) return scheduler.yield();
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => resolve();
    channel.port2.postMessage(null);
  });
}

/** A function to await between units of work: it yields to the event loop once a slice of ~8 ms is used. */
export function timeSlicer(budgetMs = 8): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart < budgetMs) return;
    await nextTask();
    sliceStart = performance.now();
  };
}

/** A wire dragged out of a socket and dropped on empty canvas: the new node gets connected to it. */
export interface PendingLink {
  nodeId: string;
  side: 'input' | 'output';
  key: string;
  type: string;
}

export interface EditorCallbacks {
  /** open the quick-add list at a screen position (client coordinates) for an area position */
  openQuickAdd(client: { x: number; y: number }, at: [number, number], link?: PendingLink): void;
  /** the selection changed (for the compare view and the toolbar) */
  onSelectionChange?(ids: string[]): void;
}

export interface EditorView {
  sync(): Promise<void>;
  fitView(): Promise<void>;
  selectedIds(): string[];
  select(ids: string[]): Promise<void>;
  selectAll(): Promise<void>;
  deleteSelected(): void;
  copySelected(): ClipboardFragment | null;
  paste(fragment: ClipboardFragment): Promise<void>;
  duplicate(ids: string[]): Promise<void>;
  /** a frame around the selected nodes (an empty one at the pointer when none is selected) */
  frameSelected(): Promise<void>;
  pointer(): [number, number];
  /** the area position under a client (screen) point */
  toArea(client: { x: number; y: number }): [number, number];
  destroy(): void;
}

export async function createEditorView(
  container: HTMLElement,
  store: GraphStore,
  callbacks: EditorCallbacks,
): Promise<EditorView> {
  const editor = new NodeEditor<Schemes>();
  const area = new AreaPlugin<Schemes, AreaExtra>(container);
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new VuePlugin<Schemes, AreaExtra>();
  const minimap = new MinimapPlugin<Schemes>({ boundViewport: true });
  let syncing = 0;
  // the minimap re-renders every node on every node/zoom/pan signal: at most once a frame, and
  // not at all while a sync adds hundreds of nodes
  const renderMinimap = (minimap as unknown as { render: () => void }).render.bind(minimap);
  let minimapFrame = 0;
  (minimap as unknown as { render: () => void }).render = () => {
    if (minimapFrame) return;
    minimapFrame = requestAnimationFrame(() => {
      minimapFrame = 0;
      if (syncing) (minimap as unknown as { render: () => void }).render();
      else renderMinimap();
    });
  };

  const contextMenu = new ContextMenuPlugin<Schemes>({
    items(context) {
      if (context === 'root') {
        const at = area.area.pointer;
        return {
          searchBar: true,
          list: [...store.catalog.values()].map((def) => ({
            label: `Add ${def.title}`,
            key: def.type,
            handler: () => {
              store.addNode(def.type, [at.x, at.y]);
            },
          })),
        };
      }
      if (context instanceof ReteNode && isFrame(context.record))
        return { searchBar: false, list: frameMenu(store, context.record) };
      if (context instanceof ReteNode) {
        const ids = context.selected ? selectedIds() : [context.id];
        return {
          searchBar: false,
          list: [
            {
              label: ids.length > 1 ? `Delete ${ids.length} nodes` : 'Delete',
              key: 'delete',
              handler: () => store.removeNodes(ids),
            },
            {
              label: ids.length > 1 ? `Duplicate ${ids.length} nodes` : 'Duplicate',
              key: 'duplicate',
              handler: () => void duplicate(ids),
            },
            { label: 'Frame (Ctrl+G)', key: 'frame', handler: () => frameNodes(ids) },
            ...(['bypass', 'mute'] as const).map((mode) => {
              const on = ids.every((id) => store.node(id)?.mode === mode);
              return {
                label: `${on ? 'Un-' : ''}${mode === 'bypass' ? 'bypass (Ctrl+B)' : 'mute (Ctrl+M)'}`,
                key: mode,
                handler: () => store.setMode(ids, on ? undefined : mode),
              };
            }),
          ],
        };
      }
      return { searchBar: false, list: [] };
    },
  });

  // Ctrl/Cmd or Shift adds to the selection
  const modifiers = { held: false };
  const trackModifiers = (e: KeyboardEvent | PointerEvent) => {
    modifiers.held = e.ctrlKey || e.metaKey || e.shiftKey;
  };
  const lastClient = { x: 0, y: 0 };
  const trackPointer = (e: PointerEvent) => {
    lastClient.x = e.clientX;
    lastClient.y = e.clientY;
  };
  window.addEventListener('pointermove', trackPointer, { passive: true, capture: true });
  window.addEventListener('keydown', trackModifiers, true);
  window.addEventListener('keyup', trackModifiers, true);
  container.addEventListener('pointerdown', trackModifiers, true);
  const selector = AreaExtensions.selector();
  const selectable = AreaExtensions.selectableNodes(area, selector, { accumulating: { active: () => modifiers.held } });

  render.addPreset(
    Presets.classic.setup({
      socketPositionWatcher: new LayoutSocketPosition((id) => editor.getNode(id)),
      customize: {
        node: (context) => (isFrame(context.payload.record) ? FrameView : GraphNodeView),
        connection: () => WireView,
      },
    }),
  );
  render.addPreset(Presets.contextMenu.setup({ delay: 300 }));
  render.addPreset(canvasMinimapPreset(160));
  let refused = false;
  connection.addPreset(
    () =>
      new ClassicFlow({
        canMakeConnection(from, to) {
          const pair = getSourceTarget(from, to);
          if (!pair) return false;
          const [s, t] = pair;
          const verdict = canConnect(
            store.doc,
            { node: s.nodeId, socket: s.key },
            { node: t.nodeId, socket: t.key },
            store.catalog as never,
          );
          if (!verdict.ok) {
            notify('error', `Connection refused: ${verdict.reason}`);
            refused = true;
            queueMicrotask(() => connection.drop());
            return false;
          }
          return true;
        },
      }),
  );

  editor.use(area);
  area.use(connection); // it must see socket renders: that is how it makes sockets draggable
  // Sockets are drawn by GraphNodeView. Their render signal stops here so the Vue plugin does not
  // mount an empty app per socket (thousands in a big graph); the position watcher still needs
  // to hear that they are rendered.
  area.addPipe((ctx) => {
    if (ctx.type === 'render' && ctx.data.type === 'socket') {
      void area.emit({ type: 'rendered', data: ctx.data } as never);
      return;
    }
    return ctx;
  });
  area.use(render);
  area.use(contextMenu);
  area.use(minimap);
  AreaExtensions.simpleNodesOrder(area);
  installFrames(area, store, {
    syncing: () => syncing > 0,
    selected: () => selectedIds(),
    widthOf: (r) => editor.getNode(r.id)?.width ?? NODE_WIDTH,
  });
  // wide enough to fit a very large graph, close enough to read a node's params
  AreaExtensions.restrictor(area, { scaling: () => ({ min: 0.02, max: 2.5 }) });
  // its own compositor layer: panning then moves pixels instead of repainting every node and wire
  area.area.content.holder.style.willChange = 'transform';

  // a wire dropped on empty canvas opens quick-add for the node types that can take it
  connection.addPipe((ctx) => {
    if (ctx.type === 'connectiondrop' && refused) {
      refused = false;
      return ctx;
    }
    if (ctx.type === 'connectiondrop' && !ctx.data.socket && !ctx.data.created) {
      const { nodeId, side, key } = ctx.data.initial;
      const node = editor.getNode(nodeId);
      const port = side === 'output' ? node?.outputs[key] : node?.inputs[key];
      if (port)
        callbacks.openQuickAdd({ ...lastClient }, toArea(lastClient), { nodeId, side, key, type: port.socket.name });
    }
    return ctx;
  });

  // user gestures -> store
  editor.addPipe((ctx) => {
    if (syncing) return ctx;
    if (ctx.type === 'connectioncreate') {
      const c = ctx.data;
      const result = store.connect(
        { node: c.source, socket: c.sourceOutput as string },
        { node: c.target, socket: c.targetInput as string },
      );
      if (!result.ok) notify('error', `Connection refused: ${result.reason}`);
      return; // the store sync adds it with the store's id
    }
    if (ctx.type === 'connectionremoved') {
      store.removeConnections([ctx.data.id]);
    }
    return ctx;
  });

  let dragKey = 0;
  const pendingMoves = new Map<string, [number, number]>();
  let moveFrame = 0;
  area.addPipe((ctx) => {
    if (ctx.type === 'zoom' && ctx.data.source === 'dblclick') return; // double-click opens quick-add instead
    if (ctx.type === 'pointerdown') dragKey++;
    if (ctx.type === 'nodetranslated' && !syncing) {
      pendingMoves.set(ctx.data.id, [ctx.data.position.x, ctx.data.position.y]);
      if (!moveFrame) {
        moveFrame = requestAnimationFrame(() => {
          moveFrame = 0;
          const moves = [...pendingMoves].map(([id, position]) => ({ id, position }));
          pendingMoves.clear();
          store.moveNodes(moves, String(dragKey));
        });
      }
    }
    if (ctx.type === 'nodepicked' || (ctx.type === 'pointerup' && !syncing)) {
      queueMicrotask(() => callbacks.onSelectionChange?.(selectedIds()));
    }
    return ctx;
  });

  const onDblClick = (e: MouseEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('[data-node-type]') || target.closest('.minimap') || !container.contains(target)) return;
    callbacks.openQuickAdd({ x: e.clientX, y: e.clientY }, toArea({ x: e.clientX, y: e.clientY }));
  };
  container.addEventListener('dblclick', onDblClick);
  container.addEventListener(
    'change',
    (e) => {
      if ((e.target as HTMLElement).matches?.('[data-testid="context-menu-search-input"]')) e.stopPropagation();
    },
    true,
  );

  // Shift-drag on the background draws a selection rectangle
  const band = document.createElement('div');
  band.className = 'selection-band';
  band.hidden = true;
  container.appendChild(band);
  const onBandDown = (e: PointerEvent) => {
    const target = e.target as HTMLElement;
    if (!e.shiftKey || e.button !== 0 || target.closest('[data-node-type]') || target.closest('.minimap')) return;
    e.stopPropagation(); // keep the area from panning
    e.preventDefault();
    const box = container.getBoundingClientRect();
    const start = { x: e.clientX, y: e.clientY };
    const move = (ev: PointerEvent) => {
      const x0 = Math.min(start.x, ev.clientX) - box.left;
      const y0 = Math.min(start.y, ev.clientY) - box.top;
      Object.assign(band.style, {
        left: `${x0}px`,
        top: `${y0}px`,
        width: `${Math.abs(ev.clientX - start.x)}px`,
        height: `${Math.abs(ev.clientY - start.y)}px`,
      });
      band.hidden = false;
    };
    const up = async (ev: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      band.hidden = true;
      const [ax, ay] = toArea(start);
      const [bx, by] = toArea({ x: ev.clientX, y: ev.clientY });
      const [minX, maxX, minY, maxY] = [Math.min(ax, bx), Math.max(ax, bx), Math.min(ay, by), Math.max(ay, by)];
      for (const node of editor.getNodes()) {
        const pos = area.nodeViews.get(node.id)?.position;
        if (!pos) continue;
        // a frame is taken only when the band holds all of it
        if (
          isFrame(node.record) &&
          !(pos.x >= minX && pos.x + node.width <= maxX && pos.y >= minY && pos.y + node.height <= maxY)
        )
          continue;
        if (pos.x < maxX && pos.x + node.width > minX && pos.y < maxY && pos.y + node.height > minY)
          await selectable.select(node.id, true);
      }
      callbacks.onSelectionChange?.(selectedIds());
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  container.addEventListener('pointerdown', onBandDown, true);

  function pointer(): [number, number] {
    return [area.area.pointer.x, area.area.pointer.y];
  }

  function toArea(client: { x: number; y: number }): [number, number] {
    const box = container.getBoundingClientRect();
    const { x, y, k } = area.area.transform;
    return [(client.x - box.left - x) / k, (client.y - box.top - y) / k];
  }

  function selectedIds(): string[] {
    return editor
      .getNodes()
      .filter((n) => n.selected)
      .map((n) => n.id);
  }

  async function select(ids: string[]): Promise<void> {
    await selector.unselectAll();
    for (const id of ids) await selectable.select(id, true);
    callbacks.onSelectionChange?.(selectedIds());
  }

  /** A frame around the nodes `ids` (an empty one at the pointer when none), selected. */
  async function frameNodes(ids: string[]): Promise<void> {
    const boxOf = (id: string) => {
      const node = editor.getNode(id);
      const view = area.nodeViews.get(id);
      if (!node || !view) return undefined;
      // the drawn height (params, previews, messages), not the estimate: only the selection is measured
      const height = isFrame(node.record) ? node.height : view.element.offsetHeight || node.height;
      return { x: view.position.x, y: view.position.y, width: node.width, height };
    };
    const id = addFrame(store, ids, boxOf, pointer());
    await syncQueue;
    await sync();
    await select([id]);
  }

  async function duplicate(ids: string[]): Promise<void> {
    const fragment = store.copy(ids);
    const newIds = store.paste(fragment, [40, 40]);
    await syncQueue;
    await sync();
    await select(newIds);
  }

  /**
   * Overlays (minimap, legend: elements of the stage with `data-overlay`) never hide a node: one
   * that a node's box reaches under is marked `data-covering` and fades out of the way (style.css).
   */
  function updateOverlays(): void {
    const overlays = [
      ...(container.parentElement ?? container).querySelectorAll<HTMLElement>('[data-overlay], .minimap'),
    ];
    if (!overlays.length) return;
    const box = container.getBoundingClientRect();
    const { x, y, k } = area.area.transform;
    const rects = overlays.map((el) => el.getBoundingClientRect());
    const covering = overlays.map(() => false);
    for (const record of store.doc.nodes) {
      if (isFrame(record)) continue; // a frame is a background: what it holds counts
      // node messages and stacked params can make a node taller than its estimate
      const height = (editor.getNode(record.id)?.height ?? estimateNodeHeight(store, record)) + 40;
      const left = box.left + x + record.position[0] * k;
      const top = box.top + y + record.position[1] * k;
      const [right, bottom] = [left + NODE_WIDTH * k, top + height * k];
      rects.forEach((r, i) => {
        if (!covering[i] && r.width && left < r.right && right > r.left && top < r.bottom && bottom > r.top)
          covering[i] = true;
      });
    }
    overlays.forEach((el, i) => {
      if ((el.dataset.covering === 'true') !== covering[i]) el.dataset.covering = String(covering[i]);
    });
  }

  /** Mark nodes outside the viewport (or all of them at low zoom) as simplified. */
  function updateDetail(): void {
    updateOverlays();
    const { x, y, k } = area.area.transform;
    const { w, h } = viewportSize;
    // half a screen of margin so panning reveals nodes that are already detailed
    const [minX, minY, maxX, maxY] = [(-x - w / 2) / k, (-y - h / 2) / k, (-x + 1.5 * w) / k, (-y + 1.5 * h) / k];
    const lowZoom = k < DETAIL_MIN_ZOOM;
    for (const record of store.doc.nodes) {
      const [nx, ny] = record.position;
      const height = editor.getNode(record.id)?.height ?? estimateNodeHeight(store, record);
      const visible = nx < maxX && nx + NODE_WIDTH > minX && ny < maxY && ny + height > minY;
      setSimplified(record.id, lowZoom || !visible);
    }
  }
  // the container size, observed rather than read on every pan frame (a read forces layout)
  const viewportSize = { w: container.clientWidth, h: container.clientHeight };
  const resizeObserver = new ResizeObserver(([entry]) => {
    if (!entry) return;
    viewportSize.w = entry.contentRect.width;
    viewportSize.h = entry.contentRect.height;
    scheduleDetail();
  });
  resizeObserver.observe(container);
  let detailFrame = 0;
  function scheduleDetail(): void {
    if (!detailFrame)
      detailFrame = requestAnimationFrame(() => {
        detailFrame = 0;
        updateDetail();
      });
  }
  area.addPipe((ctx) => {
    if (ctx.type === 'translated' || ctx.type === 'zoomed' || ctx.type === 'resized') scheduleDetail();
    return ctx;
  });

  /**
   * Fit the view to the document's node positions (estimated sizes), without touching the DOM.
   * `readable` (the Fit button, F): never below a zoom where node text reads (fit.ts); opening a
   * graph shows all of it.
   */
  async function fitToDocument({ readable = false } = {}): Promise<void> {
    const boxes = store.doc.nodes.map((record) => {
      const node = editor.getNode(record.id);
      const [x, y] = record.position;
      const annotation = store.catalog.get(record.type)?.category === 'annotation';
      return {
        id: record.id,
        x,
        y,
        annotation,
        width: node?.width ?? NODE_WIDTH,
        height: node?.height ?? estimateNodeHeight(store, record),
      };
    });
    const wires = store.doc.connections.map((c) => ({ from: c.from.node, to: c.to.node }));
    const view = fitTransform(boxes, wires, selectedIds(), [viewportSize.w, viewportSize.h], { readable });
    if (!view) return;
    area.area.transform.x = view.x;
    area.area.transform.y = view.y;
    await area.area.zoom(view.k, 0, 0);
    updateDetail();
  }

  // store -> Rete: a serialised, coalesced diff
  let syncQueue: Promise<void> = Promise.resolve();
  let syncPending = false;
  function sync(): Promise<void> {
    if (syncPending) return syncQueue;
    syncPending = true;
    syncQueue = syncQueue.then(async () => {
      syncPending = false;
      syncing++;
      try {
        await applyStore();
      } catch (err) {
        notify('error', `Editor sync failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        syncing--;
      }
    });
    return syncQueue;
  }

  /** Nodes ordered by the distance of their centre to the middle of the view. */
  function byDistanceToView(nodes: GraphNodeRecord[]): GraphNodeRecord[] {
    const { x, y, k } = area.area.transform;
    const [cx, cy] = [(viewportSize.w / 2 - x) / k, (viewportSize.h / 2 - y) / k];
    const d = (n: GraphNodeRecord) => (n.position[0] + NODE_WIDTH / 2 - cx) ** 2 + (n.position[1] + 100 - cy) ** 2;
    return nodes.length > 1 ? [...nodes].sort((a, b) => d(a) - d(b)) : nodes;
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
      if (stale) await editor.removeConnection(c.id);
    }
    for (const n of editor.getNodes()) {
      if (!docNodes.has(n.id) || rebuild.has(n.id)) {
        await selectable.unselect(n.id);
        await editor.removeNode(n.id);
      }
    }
    // New nodes are created nearest-to-the-view first, in slices that give the main thread back
    // (each node is a Vue app: 500 of them in one go were a 450-ms task).
    // Beyond the first screenful, new nodes stay unrendered (content-visibility: hidden) while the
    // rest are created, so the frames in between do not restyle a growing canvas; then they are
    // revealed a slice at a time.
    const slice = timeSlicer();
    const deferred: HTMLElement[] = [];
    let created = 0;
    for (const record of byDistanceToView(doc.nodes)) {
      const existing = editor.getNode(record.id);
      if (!existing) {
        await slice();
        if (store.doc !== doc) return reveal(deferred); // another graph was opened meanwhile: the next sync builds that one
        const node = new ReteNode(record, store);
        await editor.addNode(node);
        await area.translate(node.id, { x: record.position[0], y: record.position[1] });
        const element = area.nodeViews.get(node.id)?.element;
        if (element && ++created > FIRST_SCREENFUL) {
          element.style.contentVisibility = 'hidden';
          deferred.push(element);
        }
      } else {
        const view = area.nodeViews.get(record.id);
        if (view && (view.position.x !== record.position[0] || view.position.y !== record.position[1])) {
          await view.translate(record.position[0], record.position[1]);
        }
      }
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
    for (let i = 0; i < deferred.length; i += REVEAL_SLICE) {
      await nextTask();
      reveal(deferred.slice(i, i + REVEAL_SLICE));
    }
  }

  function reveal(elements: HTMLElement[]): void {
    for (const el of elements) el.style.contentVisibility = '';
  }

  const unsubscribe = store.onChange((change) => {
    if (change.kind === 'params' || change.kind === 'meta') return; // node views follow store revisions
    // another graph: frame it before its nodes are created, so off-screen ones start simplified
    if (change.kind === 'load')
      void fitToDocument()
        .then(() => sync())
        .then(scheduleDetail);
    else void sync().then(scheduleDetail);
  });

  await fitToDocument();
  await sync();
  scheduleDetail(); // the minimap exists now: overlays learn what they cover

  return {
    sync,
    fitView: () => fitToDocument({ readable: true }),
    selectedIds,
    select,
    async selectAll() {
      await select(editor.getNodes().map((n) => n.id));
    },
    deleteSelected() {
      const ids = selectedIds();
      if (ids.length) store.removeNodes(ids);
    },
    copySelected() {
      const ids = selectedIds();
      return ids.length ? store.copy(ids) : null;
    },
    async paste(fragment) {
      if (!fragment.nodes.length) return;
      const minX = Math.min(...fragment.nodes.map((n) => n.position[0]));
      const minY = Math.min(...fragment.nodes.map((n) => n.position[1]));
      const p = area.area.pointer;
      const newIds = store.paste(fragment, [Math.round(p.x - minX), Math.round(p.y - minY)]);
      await sync();
      await select(newIds);
    },
    duplicate,
    frameSelected: () => frameNodes(selectedIds()),
    pointer,
    toArea,
    destroy() {
      unsubscribe();
      resizeObserver.disconnect();
      window.removeEventListener('pointermove', trackPointer, true);
      window.removeEventListener('keydown', trackModifiers, true);
      window.removeEventListener('keyup', trackModifiers, true);
      container.removeEventListener('dblclick', onDblClick);
      container.removeEventListener('pointerdown', onBandDown, true);
      area.destroy();
    },
  };
}
