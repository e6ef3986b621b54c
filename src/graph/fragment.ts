// Pasting: a copied fragment (`{ kind: "delta-studio/fragment", nodes, connections, assets }`,
// from this tab or from the system clipboard, so possibly hand-made) is merged into the open
// graph only through the graph file's own validation, so a paste obeys exactly the rules (and
// limits) a file does; a refused paste changes nothing. Only the pasted part is validated (as a
// graph of its own, with the open graph's assets): its nodes get ids the open graph does not use
// and its wires stay among them, so nothing it adds can interact with the open graph's nodes or
// wires — re-validating the whole open graph (0.3 s at 10,000 nodes, on the main thread) would
// find nothing more. The totals are checked against the same limits.
import {
  validateGraphObject,
  type GraphAsset,
  type GraphConnection,
  type GraphDocument,
  type GraphNode,
  type NodeRegistry,
} from './document';
import { describeValue } from './issues';
import { MAX_ASSETS, MAX_CONNECTIONS, MAX_NODES } from './limits';
import { hasOwn, ownValue, setOwn } from './plain-data';

export const FRAGMENT_KIND = 'delta-studio/fragment';

export interface GraphFragment {
  kind: typeof FRAGMENT_KIND;
  nodes: GraphNode[];
  connections: GraphConnection[];
  assets: Record<string, GraphAsset>;
}

export type FragmentMerge =
  | {
      ok: true;
      /** what the paste adds, already validated and repaired, with fresh ids */
      added: GraphFragment;
      /** repairs of the pasted part, paths as `pasted nodes[0]…` */
      warnings: string[];
    }
  | { ok: false; errors: string[] };

/** Whether a parsed clipboard value claims to be a fragment (it is validated by mergeFragment). */
export function isFragmentLike(value: unknown): value is { kind: typeof FRAGMENT_KIND } {
  return !!value && typeof value === 'object' && (value as { kind?: unknown }).kind === FRAGMENT_KIND;
}

/**
 * Merge `fragment` into `doc` (which is not modified): node ids renamed with `newNodeId`, wire ids
 * with `newConnectionId`, positions moved by `offset`; assets the graph already has are kept.
 * Everything the paste adds goes through validateGraphObject together with the open graph.
 */
export function mergeFragment(
  doc: GraphDocument,
  fragment: unknown,
  registry: NodeRegistry,
  options: {
    offset?: [number, number];
    newNodeId: (taken: (id: string) => boolean) => string;
    newConnectionId: (taken: (id: string) => boolean) => string;
    /** whether the open graph has a node / wire with this id (default: a scan of `doc`) */
    hasNode?: (id: string) => boolean;
    hasConnection?: (id: string) => boolean;
  },
): FragmentMerge {
  try {
    if (!isFragmentLike(fragment))
      return { ok: false, errors: [`pasted: expected a "${FRAGMENT_KIND}", got ${describeValue(fragment)}`] };
    const f = fragment as unknown as Record<string, unknown>;
    if (!Array.isArray(f.nodes))
      return { ok: false, errors: [`pasted nodes: expected array, got ${describeValue(f.nodes)}`] };
    const rawConnections = f.connections === undefined ? [] : f.connections;
    if (!Array.isArray(rawConnections))
      return { ok: false, errors: [`pasted connections: expected array, got ${describeValue(f.connections)}`] };
    const rawAssets = f.assets === undefined ? {} : f.assets;
    if (!rawAssets || typeof rawAssets !== 'object' || Array.isArray(rawAssets)) {
      return { ok: false, errors: [`pasted assets: expected object, got ${describeValue(f.assets)}`] };
    }
    const [dx, dy] = options.offset ?? [0, 0];
    const hasNode = options.hasNode ?? setOf(doc.nodes.map((n) => n.id));
    const idMap = new Map<string, string>();
    const newIds = new Set<string>();
    const nodes = (f.nodes as unknown[]).map((raw) => {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
      const node = { ...(raw as Record<string, unknown>) };
      if (typeof node.id === 'string' && !idMap.has(node.id)) {
        const id = options.newNodeId((c) => hasNode(c) || newIds.has(c));
        idMap.set(node.id, id);
        newIds.add(id);
        node.id = id;
      } else if (typeof node.id === 'string') node.id = idMap.get(node.id)!; // a duplicate: refused below, by path
      const p = node.position;
      if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number')
        node.position = [p[0] + dx, p[1] + dy];
      return node;
    });
    const hasConnection = options.hasConnection ?? setOf(doc.connections.map((c) => c.id));
    const newConnIds = new Set<string>();
    const connections = (rawConnections as unknown[]).map((raw) => {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
      const c = { ...(raw as Record<string, unknown>) };
      // a wire to a node outside the fragment keeps its id and is dropped as dangling by repair
      const remap = (end: unknown) => {
        if (!end || typeof end !== 'object') return end;
        const e = end as Record<string, unknown>;
        const mapped = typeof e.node === 'string' ? idMap.get(e.node) : undefined;
        return { ...e, node: mapped ?? `\u0000not-pasted:${String(e.node)}` };
      };
      c.from = remap(c.from);
      c.to = remap(c.to);
      const id = options.newConnectionId((x) => hasConnection(x) || newConnIds.has(x));
      newConnIds.add(id);
      c.id = id;
      return c;
    });
    // the open graph's images the pasted nodes name (validated again, they are small in number) and the new ones
    const assets: Record<string, unknown> = {};
    for (const node of nodes) {
      const params = node && typeof node === 'object' ? (node as { params?: unknown }).params : undefined;
      if (!params || typeof params !== 'object') continue;
      for (const v of Object.values(params)) {
        const key = typeof v === 'string' && v.startsWith('asset:') ? v.slice(6) : undefined;
        if (key !== undefined && hasOwn(doc.assets, key)) setOwn(assets, key, ownValue(doc.assets, key));
      }
    }
    const addedAssetKeys: string[] = [];
    for (const key of Object.keys(rawAssets)) {
      if (hasOwn(doc.assets, key)) continue;
      setOwn(assets, key, (rawAssets as Record<string, unknown>)[key]);
      addedAssetKeys.push(key);
    }
    const base = { nodes: 0, connections: 0 };
    const pasted = { ...doc, nodes, connections, assets };
    const result = validateGraphObject(pasted, registry);
    const pastedOnly = (messages: string[]) =>
      messages
        .map((m) => renamePaths(m, base, idMap))
        .filter((m) => m.startsWith('pasted') || !/^(nodes|connections)\[/.test(m));
    if (!result.ok) return { ok: false, errors: pastedOnly(result.errors) };
    const out = result.doc;
    const totals = {
      nodes: doc.nodes.length + out.nodes.length,
      connections: doc.connections.length + out.connections.length,
    };
    if (totals.nodes > MAX_NODES)
      return { ok: false, errors: [`pasted: the graph would have ${totals.nodes} nodes; the limit is ${MAX_NODES}`] };
    if (Object.keys(doc.assets).length + addedAssetKeys.length > MAX_ASSETS)
      return {
        ok: false,
        errors: [`pasted: the graph would have more than ${MAX_ASSETS} images; the limit is ${MAX_ASSETS}`],
      };
    if (totals.connections > MAX_CONNECTIONS)
      return {
        ok: false,
        errors: [`pasted: the graph would have ${totals.connections} connections; the limit is ${MAX_CONNECTIONS}`],
      };
    const addedAssets: Record<string, GraphAsset> = {};
    for (const key of addedAssetKeys) setOwn(addedAssets, key, ownValue(out.assets, key)!);
    return {
      ok: true,
      added: { kind: FRAGMENT_KIND, nodes: out.nodes, connections: out.connections, assets: addedAssets },
      warnings: pastedOnly(result.warnings),
    };
  } catch (err) {
    return { ok: false, errors: [`pasted: could not be read: ${(err as Error)?.message ?? String(err)}`] };
  }
}

function setOf(ids: string[]): (id: string) => boolean {
  const set = new Set(ids);
  return (id) => set.has(id);
}

/** `nodes[12].params.x` of the merged graph → `pasted nodes[2].params.x` (node ids back to the copied ones). */
function renamePaths(
  message: string,
  base: { nodes: number; connections: number },
  idMap: ReadonlyMap<string, string>,
): string {
  let m = message.replace(/^(nodes|connections)\[(\d+)\]/, (whole, kind: 'nodes' | 'connections', i: string) => {
    const k = Number(i) - base[kind];
    return k >= 0 ? `pasted ${kind}[${k}]` : whole;
  });
  m = m.replace(/\u0000not-pasted:/g, '').replace(/^\(root\): JSON/, 'pasted: the fragment');
  for (const [from, to] of idMap) if (from !== to && m.includes(`"${to}"`)) m = m.split(`"${to}"`).join(`"${from}"`);
  return m;
}
