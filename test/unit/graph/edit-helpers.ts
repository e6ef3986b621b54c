// Building documents in tests: a node with default params and a fresh id, a wire added through
// the same rule the editor applies (`canConnect`).
import type { GraphConnection, GraphDocument, GraphNode, NodeRegistry, Endpoint } from '../../../src/graph/document';
import type { ParamValue } from '../../../src/graph/types';
import { canConnect } from '../../../src/graph/wiring';

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
