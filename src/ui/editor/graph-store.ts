// The editor's source of truth: the graph document (interface 1) plus an undo/redo history.
// Rete only mirrors this store (see rete-editor.ts); Vue components read it through revisions.
import { shallowReactive, ref } from 'vue';
import type { ParamValue, SocketSpec, NodeSpec } from '../../graph/types';
import type { GraphDocument, NodeRegistry } from '../../graph/document';
import { canConnect } from '../../graph/wiring';
import { mergeFragment, type FragmentMerge } from '../../graph/fragment';
import { ownValue, setOwn } from '../../graph/plain-data';
import { followerResets } from '../../graph/param-range';

export type EditorGraph = GraphDocument;
export type GraphNodeRecord = EditorGraph['nodes'][number];
export type GraphConnectionRecord = EditorGraph['connections'][number];
export type SocketRef = { node: string; socket: string };

/** What a change touched, so listeners can decide whether to re-run the graph. */
export type GraphChange =
  | { kind: 'load' }
  | { kind: 'structure' }
  | { kind: 'params'; nodeIds: string[] }
  | { kind: 'layout' }
  | { kind: 'meta' };

/** `load`: the step between this snapshot and the next state swaps the whole graph (an opened example) */
type Snapshot = { doc: EditorGraph; load?: boolean };

const HISTORY_LIMIT = 200;
/** Successive edits with the same key within this window form one undo step (slider drags, moves). */
const COALESCE_MS = 1200;

export function newId(prefix: string, taken: (id: string) => boolean): string {
  for (;;) {
    const id = `${prefix}${Math.random().toString(36).slice(2, 9)}`;
    if (!taken(id)) return id;
  }
}

/**
 * Copy of the document for the undo history, as deep as the store's edits reach: it replaces
 * arrays, assigns a record's fields and sets its params, so records and their params are copied and
 * nested param values and asset payloads (large base64 strings) are shared — they never mutate.
 * structuredClone of the whole document took ~200 ms per edit at 10,000 nodes.
 */
function cloneDoc(doc: EditorGraph): EditorGraph {
  const copy: Record<string, unknown> = {};
  // key by key, in the document's order (exported files and autosave texts keep their field order)
  for (const [key, value] of Object.entries(doc)) {
    if (key === 'nodes')
      copy.nodes = doc.nodes.map((n) => ({ ...n, params: { ...n.params }, position: [...n.position] }));
    else if (key === 'connections')
      copy.connections = doc.connections.map((c) => ({ ...c, from: { ...c.from }, to: { ...c.to } }));
    else if (key === 'assets') copy.assets = { ...doc.assets };
    else setOwn(copy, key, structuredClone(value)); // plain data: a `__proto__` key stays a field
  }
  return copy as unknown as EditorGraph;
}

export function defaultParams(def: NodeSpec, packDefault: string): Record<string, ParamValue> {
  const params: Record<string, ParamValue> = {};
  for (const spec of def.params) params[spec.name] = spec.kind === 'pack' ? packDefault : spec.default;
  return params;
}

export class GraphStore {
  private current: EditorGraph;
  private undoStack: Snapshot[] = [];
  private redoStack: Snapshot[] = [];
  private lastKey: string | null = null;
  private lastTime = 0;
  private listeners = new Set<(change: GraphChange) => void>();

  /** Bumped per node when its params/label change; node components depend on it. */
  readonly nodeRevisions = shallowReactive(new Map<string, number>());
  /** Bumped on any change (name, undo availability, node count...). */
  readonly revision = ref(0);
  /** Bumped when every node may have changed (another graph, undo, redo). */
  private readonly allNodesRevision = ref(0);

  constructor(
    doc: EditorGraph,
    public catalog: NodeRegistry,
    public packDefault: () => string,
  ) {
    this.current = doc;
  }

  get doc(): EditorGraph {
    return this.current;
  }

  get canUndo(): boolean {
    void this.revision.value;
    return this.undoStack.length > 0;
  }
  get canRedo(): boolean {
    void this.revision.value;
    return this.redoStack.length > 0;
  }

  onChange(listener: (change: GraphChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  node(id: string): GraphNodeRecord | undefined {
    return this.nodeIndex().get(id);
  }

  // Lookups by id and the wires at each node, rebuilt when the arrays change (the store replaces
  // or appends to them; records are never swapped in place). A scan per call made opening a big
  // graph O(n²): every node view asks for its record, every placeholder for its wires.
  private nodesById: { of: GraphNodeRecord[]; length: number; map: Map<string, GraphNodeRecord> } | null = null;
  private wiresByNode: {
    of: GraphConnectionRecord[];
    length: number;
    ins: Map<string, Set<string>>;
    outs: Map<string, Set<string>>;
    ids: Set<string>;
  } | null = null;

  private nodeIndex(): Map<string, GraphNodeRecord> {
    const nodes = this.current.nodes;
    if (this.nodesById?.of !== nodes || this.nodesById.length !== nodes.length)
      this.nodesById = { of: nodes, length: nodes.length, map: new Map(nodes.map((n) => [n.id, n])) };
    return this.nodesById.map;
  }

  /** The socket names each node's wires use, in wire order (what a placeholder node draws), and the wire ids. */
  private wireIndex(): NonNullable<GraphStore['wiresByNode']> {
    const wires = this.current.connections;
    if (this.wiresByNode?.of === wires && this.wiresByNode.length === wires.length) return this.wiresByNode;
    const ins = new Map<string, Set<string>>();
    const outs = new Map<string, Set<string>>();
    const ids = new Set<string>();
    const add = (map: Map<string, Set<string>>, node: string, socket: string) => {
      let set = map.get(node);
      if (!set) map.set(node, (set = new Set()));
      set.add(socket);
    };
    for (const c of wires) {
      ids.add(c.id);
      add(ins, c.to.node, c.to.socket);
      add(outs, c.from.node, c.from.socket);
    }
    return (this.wiresByNode = { of: wires, length: wires.length, ins, outs, ids });
  }

  nodeRevision(id: string): number {
    // a whole-graph change (load, undo, redo) bumps one counter that every node view reads,
    // instead of 10,000 reactive map entries (180 ms at 10,000 nodes)
    return (this.nodeRevisions.get(id) ?? 0) + this.allNodesRevision.value * 1_000_000;
  }

  inputsOf(node: GraphNodeRecord): SocketSpec[] {
    const def = this.catalog.get(node.type);
    if (def) return def.inputs;
    // placeholder for an unknown type: expose the sockets its connections use, so they stay drawn
    const names = this.wireIndex().ins.get(node.id) ?? [];
    return [...names].map((name) => ({ name, label: name, type: 'image' as const, multi: true }));
  }

  outputsOf(node: GraphNodeRecord): SocketSpec[] {
    const def = this.catalog.get(node.type);
    if (def) return def.outputs;
    const names = this.wireIndex().outs.get(node.id) ?? [];
    return [...names].map((name) => ({ name, label: name, type: 'image' as const }));
  }

  // -------------------------------------------------------------------------------------------
  // mutations (each one is an undo step unless coalesced)

  /** Replace the whole document (open from library/import/restore); clears history unless asked. */
  load(doc: EditorGraph, { keepHistory = false } = {}): void {
    if (keepHistory) {
      this.pushUndo(null);
      this.undoStack[this.undoStack.length - 1].load = true;
    } else {
      this.undoStack = [];
      this.redoStack = [];
    }
    this.current = doc;
    // bump, not clear: a view of a node whose id repeats in the new graph must re-read it
    this.allNodesRevision.value++;
    this.emit({ kind: 'load' });
  }

  setName(name: string): void {
    if (name === this.current.name) return;
    this.pushUndo('name');
    this.current.name = name;
    this.emit({ kind: 'meta' });
  }

  /** Add a node of `type` (defaults, or `init`'s params and label on top of them); one undo step. */
  addNode(
    type: string,
    position: [number, number],
    init: { params?: Record<string, ParamValue>; label?: string } = {},
  ): GraphNodeRecord {
    const def = this.catalog.get(type);
    if (!def) throw new Error(`unknown node type "${type}"`);
    this.pushUndo(null);
    const node: GraphNodeRecord = {
      id: newId('n_', (id) => !!this.node(id)),
      type,
      params: { ...defaultParams(def, this.packDefault()), ...init.params },
      position: [Math.round(position[0]), Math.round(position[1])],
    };
    if (init.label) node.label = init.label;
    this.current.nodes.push(node);
    this.emit({ kind: 'structure' });
    return node;
  }

  removeNodes(ids: string[]): void {
    const gone = new Set(ids);
    if (!this.current.nodes.some((n) => gone.has(n.id))) return;
    this.pushUndo(null);
    this.current.nodes = this.current.nodes.filter((n) => !gone.has(n.id));
    this.current.connections = this.current.connections.filter((c) => !gone.has(c.from.node) && !gone.has(c.to.node));
    this.dropUnusedAssets();
    this.emit({ kind: 'structure' });
  }

  /** Move nodes; a drag of the same nodes is one undo step. Layout changes do not re-run. */
  moveNodes(moves: { id: string; position: [number, number] }[], dragKey: string): void {
    const changed = moves.filter((m) => {
      const n = this.node(m.id);
      return n && (n.position[0] !== m.position[0] || n.position[1] !== m.position[1]);
    });
    if (!changed.length) return;
    this.pushUndo(`move:${dragKey}`);
    for (const m of changed) {
      const n = this.node(m.id)!;
      n.position = [Math.round(m.position[0]), Math.round(m.position[1])];
    }
    this.emit({ kind: 'layout' });
  }

  setParam(nodeId: string, name: string, value: ParamValue): void {
    const node = this.node(nodeId);
    if (!node) throw new Error(`no node "${nodeId}"`);
    if (node.params[name] === value) return;
    this.pushUndo(`param:${nodeId}:${name}`);
    node.params[name] = value;
    // params whose range follows this one start again from their default for the new value
    const def = this.catalog.get(node.type);
    if (def) Object.assign(node.params, followerResets(def.params, name, node.params));
    this.dropUnusedAssets();
    this.bump(nodeId);
    this.emit({ kind: 'params', nodeIds: [nodeId] });
  }

  /** Set several params of one node in one undo step (a frame's width and height after a resize drag). */
  setParams(nodeId: string, values: Record<string, ParamValue>): void {
    const node = this.node(nodeId);
    if (!node) throw new Error(`no node "${nodeId}"`);
    const changed = Object.entries(values).filter(([name, value]) => node.params[name] !== value);
    if (!changed.length) return;
    this.pushUndo(null);
    for (const [name, value] of changed) node.params[name] = value;
    this.bump(nodeId);
    this.emit({ kind: 'params', nodeIds: [nodeId] });
  }

  /** Bypass or mute nodes (ComfyUI's Ctrl+B / Ctrl+M); `undefined` lets them run again. One undo step. */
  setMode(nodeIds: string[], mode: 'bypass' | 'mute' | undefined): void {
    const nodes = nodeIds.map((id) => this.node(id)).filter((n): n is GraphNodeRecord => !!n && n.mode !== mode);
    if (!nodes.length) return;
    this.pushUndo(null);
    for (const node of nodes) {
      if (mode) node.mode = mode;
      else delete node.mode;
      this.bump(node.id);
    }
    this.emit({ kind: 'params', nodeIds: nodes.map((n) => n.id) });
  }

  setLabel(nodeId: string, label: string): void {
    const node = this.node(nodeId);
    if (!node || (node.label ?? '') === label) return;
    this.pushUndo(`label:${nodeId}`);
    if (label) node.label = label;
    else delete node.label;
    this.bump(nodeId);
    this.emit({ kind: 'meta' });
  }

  /** Store an embedded image (uploaded face) and point a node's image param at it in one step. */
  setAssetParam(nodeId: string, param: string, assetId: string, asset: EditorGraph['assets'][string]): void {
    const node = this.node(nodeId);
    if (!node) throw new Error(`no node "${nodeId}"`);
    this.pushUndo(null);
    setOwn(this.current.assets, assetId, asset);
    node.params[param] = `asset:${assetId}`;
    this.dropUnusedAssets();
    this.bump(nodeId);
    this.emit({ kind: 'params', nodeIds: [nodeId] });
  }

  /**
   * Connect an output to an input. Returns the reason when refused (type mismatch, cycle...).
   * A single (non-multi) input that is already fed is rewired to the new source.
   */
  connect(from: SocketRef, to: SocketRef): { ok: true; id: string } | { ok: false; reason: string } {
    const exists = this.current.connections.find(
      (c) =>
        c.from.node === from.node &&
        c.from.socket === from.socket &&
        c.to.node === to.node &&
        c.to.socket === to.socket,
    );
    if (exists) return { ok: true, id: exists.id };
    // canConnect reads only sockets and titles, which the catalog has
    const verdict = canConnect(this.current, from, to, this.catalog);
    if (!verdict.ok) return verdict;
    this.pushUndo(null);
    if (verdict.replaces) this.current.connections = this.current.connections.filter((c) => c.id !== verdict.replaces);
    const id = newId('c_', (cid) => this.current.connections.some((c) => c.id === cid));
    this.current.connections.push({ id, from: { ...from }, to: { ...to } });
    this.emit({ kind: 'structure' });
    return { ok: true, id };
  }

  removeConnections(ids: string[]): void {
    const gone = new Set(ids);
    if (!this.current.connections.some((c) => gone.has(c.id))) return;
    this.pushUndo(null);
    this.current.connections = this.current.connections.filter((c) => !gone.has(c.id));
    this.emit({ kind: 'structure' });
  }

  /**
   * Check a fragment (copied here or pasted from the system clipboard, so possibly hand-made)
   * against the open graph with the graph file's validation: what it would add, already
   * repaired, or why it is refused. Changes nothing.
   */
  checkPaste(fragment: unknown, offset: [number, number] = [0, 0]): FragmentMerge {
    return mergeFragment(this.current, fragment, this.catalog, {
      offset,
      hasNode: (id) => !!this.node(id),
      hasConnection: (id) => this.wireIndex().ids.has(id),
      newNodeId: (taken) => newId('n_', taken),
      newConnectionId: (taken) => newId('c_', taken),
    });
  }

  /**
   * Insert copied nodes (new ids, offset) with the connections among them; returns the new ids.
   * All or nothing: a fragment the validation refuses throws before anything changes.
   */
  paste(fragment: ClipboardFragment, offset: [number, number]): string[] {
    const merge = this.checkPaste(fragment, offset);
    if (!merge.ok) throw new Error(`Paste refused: ${merge.errors.slice(0, 3).join('; ')}`);
    if (!merge.added.nodes.length) return [];
    this.pushUndo(null);
    this.current.nodes.push(...merge.added.nodes);
    this.current.connections.push(...merge.added.connections);
    for (const key of Object.keys(merge.added.assets)) setOwn(this.current.assets, key, merge.added.assets[key]!);
    this.emit({ kind: 'structure' });
    return merge.added.nodes.map((n) => n.id);
  }

  copy(ids: string[]): ClipboardFragment {
    const chosen = new Set(ids);
    const nodes = this.current.nodes.filter((n) => chosen.has(n.id)).map((n) => structuredClone(n));
    const connections = this.current.connections
      .filter((c) => chosen.has(c.from.node) && chosen.has(c.to.node))
      .map((c) => structuredClone(c));
    const assets: EditorGraph['assets'] = {};
    for (const n of nodes) {
      for (const v of Object.values(n.params)) {
        if (typeof v === 'string' && v.startsWith('asset:')) {
          const asset = ownValue(this.current.assets, v.slice(6));
          if (asset) setOwn(assets, v.slice(6), asset);
        }
      }
    }
    return { kind: 'delta-studio/fragment', nodes, connections, assets };
  }

  undo(): boolean {
    const snap = this.undoStack.pop();
    if (!snap) return false;
    this.redoStack.push({ doc: cloneDoc(this.current), load: snap.load });
    this.restore(snap);
    return true;
  }

  redo(): boolean {
    const snap = this.redoStack.pop();
    if (!snap) return false;
    this.undoStack.push({ doc: cloneDoc(this.current), load: snap.load });
    this.restore(snap);
    return true;
  }

  // -------------------------------------------------------------------------------------------

  private restore(snap: Snapshot): void {
    this.current = snap.doc;
    this.lastKey = null;
    this.allNodesRevision.value++;
    // same graph, other state: keep previews of nodes that survive, re-run what changed; across
    // a load (another graph whose node ids may repeat) nothing carries over
    this.emit({ kind: snap.load ? 'load' : 'structure' });
  }

  /** Record the state before a mutation; `key` merges a burst of the same edit into one step. */
  private pushUndo(key: string | null): void {
    const now = performance.now();
    const merge = key !== null && key === this.lastKey && now - this.lastTime < COALESCE_MS;
    this.lastKey = key;
    this.lastTime = now;
    if (merge) return;
    this.undoStack.push({ doc: cloneDoc(this.current) });
    if (this.undoStack.length > HISTORY_LIMIT) this.undoStack.shift();
    this.redoStack = [];
  }

  /** Assets no param refers to any more are dropped so exported files do not carry dead images. */
  private dropUnusedAssets(): void {
    const used = new Set<string>();
    for (const n of this.current.nodes) {
      for (const v of Object.values(n.params))
        if (typeof v === 'string' && v.startsWith('asset:')) used.add(v.slice(6));
    }
    for (const id of Object.keys(this.current.assets)) if (!used.has(id)) delete this.current.assets[id];
  }

  private bump(nodeId: string): void {
    this.nodeRevisions.set(nodeId, (this.nodeRevisions.get(nodeId) ?? 0) + 1);
  }

  private emit(change: GraphChange): void {
    this.revision.value++;
    for (const l of this.listeners) l(change);
  }
}

export interface ClipboardFragment {
  kind: 'delta-studio/fragment';
  nodes: GraphNodeRecord[];
  connections: GraphConnectionRecord[];
  assets: EditorGraph['assets'];
}
