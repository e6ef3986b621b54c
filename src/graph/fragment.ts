// Pasting: a copied fragment (`{ kind: "delta-studio/fragment", nodes, connections, assets }`,
// from this tab or from the system clipboard, so possibly hand-made) is merged into the open
// graph only through the graph file's own validation. The merged document is checked as a whole
// with validateGraphObject, so a paste obeys exactly the rules (and limits) a file does; a refused
// paste changes nothing.
import {
  validateGraphObject,
  type GraphAsset,
  type GraphConnection,
  type GraphDocument,
  type GraphNode,
  type NodeRegistry,
} from './document';
import { describeValue } from './issues';
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
    const nodeIds = new Set(doc.nodes.map((n) => n.id));
    const idMap = new Map<string, string>();
    const newIds = new Set<string>();
    const nodes = (f.nodes as unknown[]).map((raw) => {
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
      const node = { ...(raw as Record<string, unknown>) };
      if (typeof node.id === 'string' && !idMap.has(node.id)) {
        const id = options.newNodeId((c) => nodeIds.has(c) || newIds.has(c));
        idMap.set(node.id, id);
        newIds.add(id);
        node.id = id;
      } else if (typeof node.id === 'string') node.id = idMap.get(node.id)!; // a duplicate: refused below, by path
      const p = node.position;
      if (Array.isArray(p) && p.length === 2 && typeof p[0] === 'number' && typeof p[1] === 'number')
        node.position = [p[0] + dx, p[1] + dy];
      return node;
    });
    const connIds = new Set(doc.connections.map((c) => c.id));
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
      const id = options.newConnectionId((x) => connIds.has(x) || newConnIds.has(x));
      newConnIds.add(id);
      c.id = id;
      return c;
    });
    const assets: Record<string, unknown> = { ...doc.assets };
    const addedAssetKeys: string[] = [];
    for (const key of Object.keys(rawAssets)) {
      if (hasOwn(doc.assets, key)) continue;
      setOwn(assets, key, (rawAssets as Record<string, unknown>)[key]);
      addedAssetKeys.push(key);
    }
    const base = { nodes: doc.nodes.length, connections: doc.connections.length };
    const merged = {
      ...doc,
      nodes: [...doc.nodes, ...nodes],
      connections: [...doc.connections, ...connections],
      assets,
    };
    const result = validateGraphObject(merged, registry);
    const pastedOnly = (messages: string[]) =>
      messages
        .map((m) => renamePaths(m, base, idMap))
        .filter((m) => m.startsWith('pasted') || !/^(nodes|connections)\[/.test(m));
    if (!result.ok) return { ok: false, errors: pastedOnly(result.errors) };
    const out = result.doc;
    const addedNodes = out.nodes.slice(base.nodes);
    const keptConnections = out.connections.filter((c) => newConnIds.has(c.id));
    const addedAssets: Record<string, GraphAsset> = {};
    for (const key of addedAssetKeys) setOwn(addedAssets, key, ownValue(out.assets, key)!);
    // a paste changes nothing outside what it adds: a repair of the open graph would be a bug here
    if (out.connections.length - keptConnections.length !== doc.connections.length) {
      return { ok: false, errors: ['pasted: the paste would change wires of the open graph; refused'] };
    }
    return {
      ok: true,
      added: { kind: FRAGMENT_KIND, nodes: addedNodes, connections: keptConnections, assets: addedAssets },
      warnings: pastedOnly(result.warnings),
    };
  } catch (err) {
    return { ok: false, errors: [`pasted: could not be read: ${(err as Error)?.message ?? String(err)}`] };
  }
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
