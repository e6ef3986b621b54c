// Validation and repair of a schema-valid graph document against the node registry, and the
// connection rules the editor uses to refuse a wire with a reason.
import type { NodeDefinition, ParamSpec, ParamValue, SocketSpec, SocketType } from './types';
import type { Endpoint, GraphConnection, GraphDocument, GraphNode, NodeRegistry } from './document';
import { describeValue, formatPath, shorten } from './issues';
import { MAX_COORDINATE, MAX_NAME_LENGTH, MAX_STRING_PARAM_LENGTH } from './limits';
import { hasOwn, setOwn } from './plain-data';

export interface RepairResult {
  doc: GraphDocument;
  warnings: string[];
  errors: string[];
}

const SOCKET_TYPE_LABELS: Record<SocketType, string> = {
  image: 'Image',
  latent: 'Latent',
  pairs: 'Pairs',
  delta: 'Delta',
  number: 'Number',
};

export function socketTypeLabel(type: SocketType | string): string {
  return SOCKET_TYPE_LABELS[type as SocketType] ?? String(type);
}

// C0/C1 controls (but tab) and bidi overrides/isolates, which can disguise text in a name.
const UNSAFE_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text as it may be displayed: control and bidi-override characters removed, length capped.
 * Markup such as `<script>` is left as literal text — the UI only ever renders it as text.
 */
export function toDisplayText(text: string, max = MAX_NAME_LENGTH): string {
  const cleaned = text.replace(UNSAFE_TEXT, '');
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned;
}

/** A node whose type this editor does not know: kept verbatim, shown as a placeholder, never run. */
export function isPlaceholder(node: { type: string }, registry: NodeRegistry): boolean {
  return !registry.has(node.type);
}

/** Params of a node with registry defaults filled in, limited to the params its definition declares. */
export function effectiveParams(def: NodeDefinition, params: Record<string, ParamValue>): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const spec of def.params) {
    const v = hasOwn(params, spec.name) ? params[spec.name] : undefined;
    out[spec.name] = v === undefined ? spec.default : v;
  }
  return out;
}

/** Expected JS type of a param kind. */
function expectedType(spec: ParamSpec): 'number' | 'string' | 'boolean' {
  switch (spec.kind) {
    case 'number':
    case 'seed':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      return 'string';
  }
}

const MAX_SEED = 2 ** 32 - 1;

/**
 * Checks one param value against its spec. Returns the (possibly repaired) value plus a warning,
 * or an error when the type is wrong (wrong types are refused, not guessed at).
 */
export function checkParam(
  spec: ParamSpec,
  value: ParamValue,
  path: string,
  assetIds?: ReadonlySet<string>,
): { value: ParamValue; warning?: string; error?: string } {
  const want = expectedType(spec);
  if (typeof value !== want) return { value, error: `${path}: expected ${want}, got ${describeValue(value)}` };
  if (spec.kind === 'number') {
    let v = value as number;
    const notes: string[] = [];
    if (!Number.isFinite(v)) {
      v = v > 0 ? spec.max : spec.min;
      notes.push(`${describeValue(value)} is not a finite number`);
    } else if (v < spec.min || v > spec.max) {
      v = Math.min(spec.max, Math.max(spec.min, v));
      notes.push(`${value} is outside ${spec.min}…${spec.max}`);
    }
    if (spec.integer && !Number.isInteger(v)) {
      v = Math.round(v);
      notes.push('expected a whole number');
    }
    if (Object.is(v, -0)) v = 0;
    if (notes.length) return { value: v, warning: `${path}: ${notes.join('; ')} — set to ${v}` };
    return { value: v };
  }
  if (spec.kind === 'seed') {
    const raw = value as number;
    let v = Number.isFinite(raw) ? Math.round(Math.abs(raw)) : 0;
    if (v > MAX_SEED) v = v % (MAX_SEED + 1);
    if (v !== raw)
      return {
        value: v,
        warning: `${path}: a seed is a whole number in 0…${MAX_SEED}, got ${describeValue(raw)} — set to ${v}`,
      };
    return { value: v };
  }
  if (spec.kind === 'enum') {
    if (!spec.options.some((o) => o.value === value)) {
      const allowed = spec.options.map((o) => JSON.stringify(o.value)).join(', ');
      return {
        value: spec.default,
        warning: `${path}: ${describeValue(value)} is not one of ${allowed} — set to "${spec.default}"`,
      };
    }
    return { value };
  }
  if (typeof value === 'string') {
    let v = value.replace(UNSAFE_TEXT, '');
    const notes: string[] = [];
    if (v !== value) notes.push('control characters removed');
    if (v.length > MAX_STRING_PARAM_LENGTH) {
      v = v.slice(0, MAX_STRING_PARAM_LENGTH);
      notes.push(`cut to ${MAX_STRING_PARAM_LENGTH} characters`);
    }
    let warning = notes.length ? `${path}: ${notes.join('; ')}` : undefined;
    if (spec.kind === 'image' && v.startsWith('asset:') && assetIds && !assetIds.has(v.slice(6))) {
      const missing = `${path}: the image asset "${shorten(v.slice(6), 40)}" is not in the file; the node will fail until an image is chosen`;
      warning = warning ? `${warning}; ${missing}` : missing;
    }
    return warning ? { value: v, warning } : { value: v };
  }
  return { value };
}

function findSocket(sockets: SocketSpec[], name: string): SocketSpec | undefined {
  return sockets.find((s) => s.name === name);
}

function clampCoordinate(v: number): number {
  if (Number.isNaN(v)) return 0;
  const c = Math.min(MAX_COORDINATE, Math.max(-MAX_COORDINATE, v));
  return Object.is(c, -0) ? 0 : c;
}

/**
 * Repairs what can be repaired (with a warning naming the path) and reports what cannot.
 * Returns a new document; the input is not modified. Placeholder nodes are kept untouched.
 */
export function repairGraph(input: GraphDocument, registry: NodeRegistry): RepairResult {
  const warnings: string[] = [];
  const errors: string[] = [];
  const doc: GraphDocument = { ...input };

  const name = toDisplayText(input.name);
  if (name !== input.name) {
    warnings.push(`name: control characters removed or cut to ${MAX_NAME_LENGTH} characters`);
    doc.name = name;
  }

  const assetIds = new Set(Object.keys(input.assets));

  // Nodes: unique ids, positions, labels, params.
  const firstIndexOfId = new Map<string, number>();
  doc.nodes = input.nodes.map((node, i) => {
    const path = `nodes[${i}]`;
    const seen = firstIndexOfId.get(node.id);
    if (seen !== undefined) {
      errors.push(`${path}.id: duplicate node id "${shorten(node.id, 40)}" (also nodes[${seen}])`);
      return node;
    }
    firstIndexOfId.set(node.id, i);
    const out: GraphNode = { ...node };
    const [x, y] = node.position;
    const pos: [number, number] = [clampCoordinate(x), clampCoordinate(y)];
    // -0 becomes 0 without a word: it is the same place (and JSON writes it as 0)
    if (pos[0] !== x || pos[1] !== y) {
      warnings.push(
        `${path}.position: [${describeValue(x)}, ${describeValue(y)}] is out of range — moved to [${pos[0]}, ${pos[1]}]`,
      );
    }
    if (!Object.is(pos[0], x) || !Object.is(pos[1], y)) out.position = pos;
    const def = registry.get(node.type);
    if (!def) {
      warnings.push(
        `${path}.type: unknown node type "${shorten(node.type, 40)}" — loaded as a placeholder that keeps its data; it will not run`,
      );
      // JSON cannot hold Infinity (it would save as null), so only that is touched in a placeholder.
      for (const [key, v] of Object.entries(node.params)) {
        if (typeof v === 'number' && !Number.isFinite(v)) {
          if (out.params === node.params) out.params = { ...node.params };
          setOwn(out.params, key, v > 0 ? Number.MAX_VALUE : -Number.MAX_VALUE);
          warnings.push(
            `${formatPath(['nodes', i, 'params', key])}: ${describeValue(v)} cannot be saved — set to the largest finite number`,
          );
        }
      }
      return out;
    }
    if (node.label !== undefined) {
      const label = toDisplayText(node.label);
      if (label !== node.label) {
        warnings.push(`${path}.label: control characters removed or cut to ${MAX_NAME_LENGTH} characters`);
        out.label = label;
      }
    }
    const params: Record<string, ParamValue> = {};
    for (const spec of def.params) {
      const ppath = `${path}.params.${spec.name}`;
      if (!hasOwn(node.params, spec.name)) {
        params[spec.name] = spec.default;
        if (!spec.optional) warnings.push(`${ppath}: missing — set to the default ${JSON.stringify(spec.default)}`);
        continue;
      }
      const checked = checkParam(spec, node.params[spec.name]!, ppath, assetIds);
      if (checked.error) errors.push(checked.error);
      if (checked.warning) warnings.push(checked.warning);
      params[spec.name] = checked.value;
    }
    for (const key of Object.keys(node.params)) {
      if (!def.params.some((s) => s.name === key)) {
        // Kept so a file from a newer editor saves back unchanged; the executor ignores it.
        setOwn(params, key, node.params[key]!);
        warnings.push(
          `${formatPath(['nodes', i, 'params', key])}: "${def.title}" has no such parameter — kept but ignored`,
        );
      }
    }
    out.params = params;
    return out;
  });
  if (errors.length) return { doc, warnings, errors };

  const nodesById = new Map(doc.nodes.map((n) => [n.id, n]));

  // Connections: unique ids, existing endpoints, matching types, one wire per single input.
  const usedIds = new Set<string>();
  // every id the file uses, so a renamed wire never takes an id a later wire already has
  const fileIds = new Set(input.connections.map((c) => c.id));
  let nextFreeId = 1;
  const takenInputs = new Map<string, number>();
  const kept: GraphConnection[] = [];
  const keptIndex: number[] = [];
  const pairKeys = new Set<string>();
  input.connections.forEach((conn, i) => {
    const path = `connections[${i}]`;
    const problem = connectionProblem(conn, nodesById, registry);
    if (problem) {
      warnings.push(`${path}: removed — ${problem}`);
      return;
    }
    const pairKey = JSON.stringify([conn.from.node, conn.from.socket, conn.to.node, conn.to.socket]);
    if (pairKeys.has(pairKey)) {
      warnings.push(`${path}: removed — the same wire appears twice`);
      return;
    }
    const toDef = registry.get(nodesById.get(conn.to.node)!.type);
    const inputSpec = toDef ? findSocket(toDef.inputs, conn.to.socket) : undefined;
    const inputKey = JSON.stringify([conn.to.node, conn.to.socket]);
    if (inputSpec && !inputSpec.multi && takenInputs.has(inputKey)) {
      warnings.push(
        `${path}: removed — input "${conn.to.socket}" of node "${shorten(conn.to.node, 40)}" takes one wire and connections[${takenInputs.get(inputKey)}] already feeds it`,
      );
      return;
    }
    takenInputs.set(inputKey, i);
    pairKeys.add(pairKey);
    let id = conn.id;
    if (!id || usedIds.has(id)) {
      // ids handed out only grow, so renaming every wire of a file costs one pass in all
      nextFreeId = Math.max(nextFreeId, kept.length + 1);
      while (usedIds.has(`c${nextFreeId}`) || fileIds.has(`c${nextFreeId}`)) nextFreeId++;
      warnings.push(
        `${path}.id: ${id ? `duplicate id "${shorten(id, 40)}"` : 'missing id'} — renamed to "c${nextFreeId}"`,
      );
      id = `c${nextFreeId}`;
    }
    usedIds.add(id);
    kept.push(id === conn.id ? conn : { ...conn, id });
    keptIndex.push(i);
  });

  // Cycles: drop the wire that closes each cycle (the later one in the file), with a warning.
  const removed = breakCycles(
    doc.nodes.map((n) => n.id),
    kept,
  );
  for (const k of removed) {
    warnings.push(`connections[${keptIndex[k]}]: removed — it closed a cycle (a graph must flow one way)`);
  }
  doc.connections = kept.filter((_, k) => !removed.has(k));

  // Packs: one entry per id.
  const packIds = new Set<string>();
  doc.packs = input.packs.filter((p, i) => {
    if (packIds.has(p.id)) {
      warnings.push(`packs[${i}]: removed — pack "${shorten(p.id, 40)}" is listed twice`);
      return false;
    }
    packIds.add(p.id);
    return true;
  });

  return { doc, warnings, errors };
}

function connectionProblem(
  conn: GraphConnection,
  nodesById: ReadonlyMap<string, GraphNode>,
  registry: NodeRegistry,
): string | null {
  const fromNode = nodesById.get(conn.from.node);
  const toNode = nodesById.get(conn.to.node);
  if (!fromNode) return `node "${shorten(conn.from.node, 40)}" does not exist`;
  if (!toNode) return `node "${shorten(conn.to.node, 40)}" does not exist`;
  const fromDef = registry.get(fromNode.type);
  const toDef = registry.get(toNode.type);
  // Wires touching a placeholder are kept as they are: we cannot judge sockets we do not know.
  const out = fromDef ? findSocket(fromDef.outputs, conn.from.socket) : undefined;
  const inp = toDef ? findSocket(toDef.inputs, conn.to.socket) : undefined;
  if (fromDef && !out) return `"${fromDef.title}" has no output "${shorten(conn.from.socket, 40)}"`;
  if (toDef && !inp) return `"${toDef.title}" has no input "${shorten(conn.to.socket, 40)}"`;
  if (out && inp && out.type !== inp.type) {
    return `${withArticle(socketTypeLabel(out.type))} output cannot feed ${withArticle(socketTypeLabel(inp.type))} input`;
  }
  return null;
}

/**
 * Indices (into `connections`) of the wires to drop so the graph has no cycle: taking the wires in
 * file order, a wire is dropped when the wires kept before it already lead from its target back
 * to its source, i.e. it is the latest wire of a cycle. Near-linear: strongly connected components
 * (Tarjan, iterative) come first, so only wires inside a component that has a cycle are checked,
 * each by a search limited to that component. A shared work budget keeps hostile graphs (many
 * long, interleaved cycles) linear: past it, a wire inside a cyclic component is kept only when it
 * runs forward in a topological order of the wires kept so far (still acyclic by construction).
 */
export function breakCycles(nodeIds: string[], connections: readonly { from: Endpoint; to: Endpoint }[]): Set<number> {
  const removed = new Set<number>();
  const V = nodeIds.length;
  const E = connections.length;
  const index = new Map<string, number>();
  nodeIds.forEach((id, i) => index.set(id, i));
  const src = new Int32Array(E);
  const dst = new Int32Array(E);
  const outDeg = new Int32Array(V + 1);
  for (let k = 0; k < E; k++) {
    const c = connections[k]!;
    const a = index.get(c.from.node);
    const b = index.get(c.to.node);
    src[k] = a ?? -1;
    dst[k] = b ?? -1;
    if (a !== undefined && b !== undefined) outDeg[a + 1]!++;
  }
  // CSR adjacency: the wires out of node v are adj[start[v] .. start[v+1])
  const start = outDeg;
  for (let v = 0; v < V; v++) start[v + 1]! += start[v]!;
  const adj = new Int32Array(start[V]!);
  const fill = start.slice(0, V);
  for (let k = 0; k < E; k++) if (src[k]! >= 0 && dst[k]! >= 0) adj[fill[src[k]!]!++] = k;

  const comp = stronglyConnected(V, start, adj, dst);
  const compSize = new Int32Array(V);
  for (let v = 0; v < V; v++) compSize[comp[v]!]!++;

  // wires kept so far inside cyclic components, as linked lists per node
  const keptHead = new Int32Array(V).fill(-1);
  const keptNext = new Int32Array(E).fill(-1);
  const stamp = new Int32Array(V);
  let epoch = 0;
  let budget = 32 * (V + E) + 100_000;
  const stack = new Int32Array(V);
  /** whether `target` is reached from `from` over kept wires; null when the budget ran out */
  const reaches = (from: number, target: number): boolean | null => {
    epoch++;
    let top = 0;
    stack[top++] = from;
    stamp[from] = epoch;
    while (top) {
      const v = stack[--top]!;
      if (v === target) return true;
      for (let k = keptHead[v]!; k >= 0; k = keptNext[k]!) {
        if (--budget < 0) return null;
        const w = dst[k]!;
        if (stamp[w] !== epoch) {
          stamp[w] = epoch;
          stack[top++] = w;
        }
      }
    }
    return false;
  };
  let order: Int32Array | null = null;
  for (let k = 0; k < E; k++) {
    const a = src[k]!;
    const b = dst[k]!;
    if (a < 0 || b < 0) continue;
    if (a === b) {
      removed.add(k);
      continue;
    }
    if (comp[a] !== comp[b] || compSize[comp[a]!]! < 2) continue;
    let closes: boolean | null;
    if (order) closes = order[a]! >= order[b]!;
    else {
      closes = reaches(b, a);
      if (closes === null) {
        order = keptTopologicalOrder(V, keptHead, keptNext, dst);
        closes = order[a]! >= order[b]!;
      }
    }
    if (closes) removed.add(k);
    else {
      keptNext[k] = keptHead[a]!;
      keptHead[a] = k;
    }
  }
  return removed;
}

/** Component number of every node (Tarjan's algorithm without recursion). */
function stronglyConnected(V: number, start: Int32Array, adj: Int32Array, dst: Int32Array): Int32Array {
  const comp = new Int32Array(V).fill(-1);
  const low = new Int32Array(V);
  const num = new Int32Array(V).fill(-1);
  const edgeAt = new Int32Array(V);
  const onStack = new Uint8Array(V);
  const sccStack = new Int32Array(V);
  const callStack = new Int32Array(V);
  let sccTop = 0;
  let counter = 0;
  let comps = 0;
  for (let root = 0; root < V; root++) {
    if (num[root] !== -1) continue;
    let callTop = 0;
    callStack[callTop++] = root;
    num[root] = low[root] = counter++;
    edgeAt[root] = start[root]!;
    sccStack[sccTop++] = root;
    onStack[root] = 1;
    while (callTop) {
      const v = callStack[callTop - 1]!;
      if (edgeAt[v]! < start[v + 1]!) {
        const w = dst[adj[edgeAt[v]!]!]!;
        edgeAt[v]!++;
        if (num[w] === -1) {
          num[w] = low[w] = counter++;
          edgeAt[w] = start[w]!;
          sccStack[sccTop++] = w;
          onStack[w] = 1;
          callStack[callTop++] = w;
        } else if (onStack[w] && num[w]! < low[v]!) low[v] = num[w]!;
        continue;
      }
      callTop--;
      if (callTop) {
        const parent = callStack[callTop - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === num[v]) {
        let w: number;
        do {
          w = sccStack[--sccTop]!;
          onStack[w] = 0;
          comp[w] = comps;
        } while (w !== v);
        comps++;
      }
    }
  }
  return comp;
}

/** Position of every node in a topological order of the kept wires (Kahn; they are acyclic). */
function keptTopologicalOrder(V: number, keptHead: Int32Array, keptNext: Int32Array, dst: Int32Array): Int32Array {
  const indegree = new Int32Array(V);
  for (let v = 0; v < V; v++) for (let k = keptHead[v]!; k >= 0; k = keptNext[k]!) indegree[dst[k]!]!++;
  const queue = new Int32Array(V);
  let tail = 0;
  for (let v = 0; v < V; v++) if (indegree[v] === 0) queue[tail++] = v;
  const order = new Int32Array(V);
  for (let head = 0; head < tail; head++) {
    const v = queue[head]!;
    order[v] = head;
    for (let k = keptHead[v]!; k >= 0; k = keptNext[k]!) if (--indegree[dst[k]!]! === 0) queue[tail++] = dst[k]!;
  }
  return order;
}

export type ConnectCheck = { ok: true; replaces?: string } | { ok: false; reason: string };

/**
 * Whether a new wire from an output to an input is allowed. A second wire into a single input is
 * allowed and `replaces` names the connection it replaces.
 */
export function canConnect(doc: GraphDocument, from: Endpoint, to: Endpoint, registry: NodeRegistry): ConnectCheck {
  const fromNode = doc.nodes.find((n) => n.id === from.node);
  const toNode = doc.nodes.find((n) => n.id === to.node);
  if (!fromNode) return { ok: false, reason: `node "${shorten(from.node, 40)}" does not exist` };
  if (!toNode) return { ok: false, reason: `node "${shorten(to.node, 40)}" does not exist` };
  const fromDef = registry.get(fromNode.type);
  const toDef = registry.get(toNode.type);
  if (!fromDef)
    return {
      ok: false,
      reason: `"${shorten(fromNode.type, 40)}" is an unknown node type (placeholder); it cannot be wired`,
    };
  if (!toDef)
    return {
      ok: false,
      reason: `"${shorten(toNode.type, 40)}" is an unknown node type (placeholder); it cannot be wired`,
    };
  const out = findSocket(fromDef.outputs, from.socket);
  const inp = findSocket(toDef.inputs, to.socket);
  if (!out) return { ok: false, reason: `"${fromDef.title}" has no output "${shorten(from.socket, 40)}"` };
  if (!inp) return { ok: false, reason: `"${toDef.title}" has no input "${shorten(to.socket, 40)}"` };
  if (out.type !== inp.type) {
    return {
      ok: false,
      reason: `${withArticle(socketTypeLabel(out.type))} output cannot feed ${withArticle(socketTypeLabel(inp.type))} input`,
    };
  }
  if (from.node === to.node || reaches(doc, to.node, from.node)) {
    return { ok: false, reason: 'this connection would make a cycle' };
  }
  const existing = doc.connections.filter((c) => c.to.node === to.node && c.to.socket === to.socket);
  if (existing.some((c) => c.from.node === from.node && c.from.socket === from.socket)) {
    return { ok: false, reason: 'these sockets are already connected' };
  }
  if (!inp.multi && existing.length > 0) return { ok: true, replaces: existing[0]!.id };
  return { ok: true };
}

/** Whether `target` can be reached from `start` by following wires downstream. */
function reaches(doc: GraphDocument, start: string, target: string): boolean {
  const out = new Map<string, string[]>();
  for (const c of doc.connections) {
    const list = out.get(c.from.node);
    if (list) list.push(c.to.node);
    else out.set(c.from.node, [c.to.node]);
  }
  const seen = new Set<string>([start]);
  const stack = [start];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === target) return true;
    for (const next of out.get(id) ?? [])
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
  }
  return false;
}

/**
 * Returns a new document with the wire added (replacing the old wire of a single input), or the
 * reason it is refused.
 */
export function connect(
  doc: GraphDocument,
  from: Endpoint,
  to: Endpoint,
  registry: NodeRegistry,
): { ok: true; doc: GraphDocument; connection: GraphConnection } | { ok: false; reason: string } {
  const check = canConnect(doc, from, to, registry);
  if (!check.ok) return check;
  const ids = new Set(doc.connections.map((c) => c.id));
  let n = doc.connections.length + 1;
  while (ids.has(`c${n}`)) n++;
  const connection: GraphConnection = { id: `c${n}`, from: { ...from }, to: { ...to } };
  const connections = doc.connections.filter((c) => c.id !== check.replaces);
  return { ok: true, doc: { ...doc, connections: [...connections, connection] }, connection };
}

/** A new node of a registered type with every param at its default and a fresh id. */
export function createNode(
  doc: GraphDocument,
  type: string,
  registry: NodeRegistry,
  position: [number, number] = [0, 0],
): GraphNode {
  const def = registry.get(type);
  if (!def) throw new Error(`unknown node type "${type}"`);
  const ids = new Set(doc.nodes.map((n) => n.id));
  let n = doc.nodes.length + 1;
  while (ids.has(`n${n}`)) n++;
  const params: Record<string, ParamValue> = {};
  for (const spec of def.params) params[spec.name] = spec.default;
  return { id: `n${n}`, type, params, position };
}

/** 'an Image', 'a Latent': the article that reads right before a socket type label. */
function withArticle(label: string): string {
  return /^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`;
}
