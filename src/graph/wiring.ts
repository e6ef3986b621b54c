// Wiring rules: which output may feed which input, and why not. Used by the editor before it
// draws a wire (`canConnect`) and by repair on loaded files (`wireProblem`), so both refuse a wire
// with the same words.
import type { NodeSpec, SocketSpec, SocketType } from './types';
import type { Endpoint, GraphDocument, NodeRegistry } from './schema';
import { shorten } from './issues';

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

export function findSocket(sockets: SocketSpec[], name: string): SocketSpec | undefined {
  return sockets.find((s) => s.name === name);
}

/**
 * What is wrong with a wire between the sockets of two node types, judged on what is known: an
 * unknown (placeholder) type on either end is not judged. Null when nothing is wrong.
 */
export function wireProblem(
  fromDef: NodeSpec | undefined,
  fromSocket: string,
  toDef: NodeSpec | undefined,
  toSocket: string,
): string | null {
  const out = fromDef ? findSocket(fromDef.outputs, fromSocket) : undefined;
  const inp = toDef ? findSocket(toDef.inputs, toSocket) : undefined;
  if (fromDef && !out) return `"${fromDef.title}" has no output "${shorten(fromSocket, 40)}"`;
  if (toDef && !inp) return `"${toDef.title}" has no input "${shorten(toSocket, 40)}"`;
  if (out && inp && out.type !== inp.type) {
    return `${withArticle(socketTypeLabel(out.type))} output cannot feed ${withArticle(socketTypeLabel(inp.type))} input`;
  }
  return null;
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
  const problem = wireProblem(fromDef, from.socket, toDef, to.socket);
  if (problem) return { ok: false, reason: problem };
  if (from.node === to.node || reaches(doc, to.node, from.node)) {
    return { ok: false, reason: 'this connection would make a cycle' };
  }
  const existing = doc.connections.filter((c) => c.to.node === to.node && c.to.socket === to.socket);
  if (existing.some((c) => c.from.node === from.node && c.from.socket === from.socket)) {
    return { ok: false, reason: 'these sockets are already connected' };
  }
  if (!findSocket(toDef.inputs, to.socket)?.multi && existing.length > 0)
    return { ok: true, replaces: existing[0]!.id };
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

/** 'an Image', 'a Latent': the article that reads right before a socket type label. */
function withArticle(label: string): string {
  return /^[aeiou]/i.test(label) ? `an ${label}` : `a ${label}`;
}
