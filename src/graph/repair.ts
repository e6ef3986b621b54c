// Validation and repair of a schema-valid graph document against the node registry: what a
// user can recover from is repaired with a warning naming its path, the rest refused.
import type { NodeSpec, ParamSpec, ParamValue } from './types';
import type { GraphConnection, GraphDocument, GraphNode, NodeRegistry } from './schema';
import { breakCycles } from './cycles';
import { describeValue, formatPath, shorten } from './issues';
import { MAX_COORDINATE, MAX_NAME_LENGTH, MAX_STRING_PARAM_LENGTH } from './limits';
import { hasOwn, setOwn } from './plain-data';
import { findSocket, wireProblem } from './wiring';

export interface RepairResult {
  doc: GraphDocument;
  warnings: string[];
  errors: string[];
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
export function effectiveParams(def: NodeSpec, params: Record<string, ParamValue>): Record<string, ParamValue> {
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
  // Wires touching a placeholder are kept as they are: we cannot judge sockets we do not know.
  return wireProblem(registry.get(fromNode.type), conn.from.socket, registry.get(toNode.type), conn.to.socket);
}
