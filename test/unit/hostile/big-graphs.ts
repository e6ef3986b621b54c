// Generators of large and hostile graph documents (plain JSON objects) for the hostile-input tests.
export type RawGraph = {
  format: string;
  version: number;
  name: string;
  nodes: unknown[];
  connections: unknown[];
  [k: string]: unknown;
};

export function rawGraph(nodes: unknown[], connections: unknown[]): RawGraph {
  return { format: 'delta-studio/graph', version: 1, name: 'hostile', nodes, connections };
}

/** `n` nodes of `type` at distinct positions, ids n0…n{n-1}. */
export function manyNodes(
  n: number,
  type: string,
  params: Record<string, unknown> = {},
): { id: string; type: string; params: Record<string, unknown>; position: [number, number] }[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    type,
    params: { ...params },
    position: [(i % 100) * 200, Math.floor(i / 100) * 120] as [number, number],
  }));
}

export function wire(id: string, from: string, fromSocket: string, to: string, toSocket: string) {
  return { id, from: { node: from, socket: fromSocket }, to: { node: to, socket: toSocket } };
}

/** A ring n0 → n1 → … → n{n-1} → n0 over sockets out → x, listed last wire first (the worst order for a naive check). */
export function reversedRing(n: number): unknown[] {
  const wires = Array.from({ length: n }, (_, i) => wire(`w${i}`, `n${i}`, 'out', `n${(i + 1) % n}`, 'x'));
  return wires.reverse();
}
