// Rete's NodeEditor finds nodes and wires by scanning its arrays (`getNode` is `nodes.find`), and
// it, the area plugin and our sync ask per node: O(n²) for a big graph (10,000 nodes: 10⁸ steps).
// This gives one editor Map-backed lookups, kept current from its own signals.
import type { BaseSchemes, NodeEditor } from 'rete';

export function indexEditor<S extends BaseSchemes>(editor: NodeEditor<S>): void {
  const nodes = new Map<string, S['Node']>();
  const connections = new Map<string, S['Connection']>();
  editor.addPipe((context) => {
    const ctx = context as { type: string; data: { id: string } };
    if (ctx.type === 'nodecreated') nodes.set(ctx.data.id, ctx.data as S['Node']);
    else if (ctx.type === 'noderemoved') nodes.delete(ctx.data.id);
    else if (ctx.type === 'connectioncreated') connections.set(ctx.data.id, ctx.data as S['Connection']);
    else if (ctx.type === 'connectionremoved') connections.delete(ctx.data.id);
    else if (ctx.type === 'cleared') {
      nodes.clear();
      connections.clear();
    }
    return context;
  });
  editor.getNode = (id) => nodes.get(id) as S['Node'];
  editor.getConnection = (id) => connections.get(id) as S['Connection'];
}
