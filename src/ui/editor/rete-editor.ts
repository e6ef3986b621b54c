// The Rete v2 view of the graph store. Rete never owns data: user gestures become store
// mutations, and every store change is mirrored back into Rete by a diffing sync. The parts:
// rete-node.ts (the Rete objects and size estimates), store-sync.ts (store → Rete), viewport.ts
// (what is in view: windowed mounting, level of detail, overlays, fit), socket-layout.ts (wire
// ends), minimap.ts, selection-band.ts, context-menu.ts, editor-index.ts, scheduling.ts. This file
// puts them together and turns gestures into store edits.
import { NodeEditor } from 'rete';
import { AreaExtensions, AreaPlugin } from 'rete-area-plugin';
import { ConnectionPlugin, ClassicFlow, getSourceTarget } from 'rete-connection-plugin';
import { canConnect } from '../../graph/wiring';
import { Presets, VuePlugin } from 'rete-vue-plugin';
import type { GraphStore, ClipboardFragment } from './graph-store';
import { notify } from './run-state';
import { LayoutSocketWatcher } from './socket-layout';
import GraphNodeView from '../nodes/GraphNodeView.vue';
import FrameView from '../nodes/FrameView.vue';
import { addFrame, installFrames, isFrame } from './frames';
import WireView from '../nodes/WireView.vue';
import { NODE_WIDTH, type AreaExtra, type Schemes } from './rete-node';
import { indexEditor } from './editor-index';
import { createViewport } from './viewport';
import { createStoreSync } from './store-sync';
import { createMinimap } from './minimap';
import { installSelectionBand } from './selection-band';
import { createContextMenu } from './context-menu';
import { nextTask } from './scheduling';

export { NODE_WIDTH, ReteNode, ReteConnection, estimateNodeHeight } from './rete-node';
export { timeSlicer } from './scheduling';

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
  indexEditor(editor);
  const area = new AreaPlugin<Schemes, AreaExtra>(container);
  const connection = new ConnectionPlugin<Schemes, AreaExtra>();
  const render = new VuePlugin<Schemes, AreaExtra>();
  const viewport = createViewport({ container, editor, area, store });
  const syncer = createStoreSync({
    container,
    editor,
    area,
    store,
    viewport,
    unselect: (id) => selectable.unselect(id),
    onError: (message) => notify('error', message),
  });
  const sync = syncer.sync;
  const minimap = createMinimap({ editor, area, size: 160, viewportSize: viewport.size, busy: syncer.busy });
  const contextMenu = createContextMenu({ area, store, selectedIds, duplicate, frame: frameNodes });

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
      socketPositionWatcher: new LayoutSocketWatcher((id) => editor.getNode(id)) as never,
      customize: {
        node: (context) => (isFrame(context.payload.record) ? FrameView : GraphNodeView),
        connection: () => WireView,
      },
    }),
  );
  render.addPreset(Presets.contextMenu.setup({ delay: 300 }));
  render.addPreset(minimap.preset);
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
  // mount an empty app per socket (thousands in a big graph); wire ends come from the layout.
  area.addPipe((ctx) => {
    if (ctx.type === 'render' && ctx.data.type === 'socket') return;
    return ctx;
  });
  area.use(render);
  area.use(contextMenu);
  area.use(minimap.plugin);
  AreaExtensions.simpleNodesOrder(area);
  installFrames(area, store, {
    syncing: () => syncer.busy(),
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
    if (syncer.busy()) return ctx;
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
    if (ctx.type === 'nodetranslated' && !syncer.busy()) {
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
    if (ctx.type === 'nodepicked' || (ctx.type === 'pointerup' && !syncer.busy())) {
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

  const removeSelectionBand = installSelectionBand({
    container,
    editor,
    area,
    toArea,
    select: (id) => selectable.select(id, true),
    done: () => callbacks.onSelectionChange?.(selectedIds()),
  });

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

  function pointer(): [number, number] {
    return [area.area.pointer.x, area.area.pointer.y];
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
    await syncer.settled();
    await sync();
    await select([id]);
  }

  async function duplicate(ids: string[]): Promise<void> {
    const fragment = store.copy(ids);
    const newIds = store.paste(fragment, [40, 40]);
    await syncer.settled();
    await sync();
    await select(newIds);
  }

  const unsubscribe = store.onChange((change) => {
    if (change.kind === 'params' || change.kind === 'meta') return; // node views follow store revisions
    // another graph: frame it before its nodes are created, so off-screen ones start simplified;
    // in a task of its own (the load's own task already updated the store and the app)
    if (change.kind === 'load')
      void nextTask()
        .then(() => viewport.fitToDocument())
        .then(() => sync())
        .then(viewport.schedule);
    else void sync().then(viewport.schedule);
  });

  await nextTask(); // setting up the plugins was this task's work; the graph's nodes come in tasks of their own
  await viewport.fitToDocument();
  await sync();
  viewport.schedule(); // the minimap exists now: overlays learn what they cover

  return {
    sync,
    fitView: () => viewport.fitToDocument({ readable: true, selected: selectedIds() }),
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
      viewport.destroy();
      removeSelectionBand();
      window.removeEventListener('pointermove', trackPointer, true);
      window.removeEventListener('keydown', trackModifiers, true);
      window.removeEventListener('keyup', trackModifiers, true);
      container.removeEventListener('dblclick', onDblClick);
      area.destroy();
    },
  };
}
