// Breaking the cycles of a loaded file's wiring (a graph must flow one way), in near-linear time
// even on hostile files.
import type { Endpoint } from './schema';

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
