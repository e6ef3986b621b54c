// The right-click menu: on the canvas, add a node there; on a node (or the selection), delete,
// duplicate, frame, bypass or mute; on a frame, its own menu (frames.ts).
import { ContextMenuPlugin } from 'rete-context-menu-plugin';
import type { AreaPlugin } from 'rete-area-plugin';
import type { GraphStore } from './graph-store';
import { ReteNode, type AreaExtra, type Schemes } from './rete-node';
import { frameMenu, isFrame } from './frames';

export function createContextMenu(options: {
  area: AreaPlugin<Schemes, AreaExtra>;
  store: GraphStore;
  selectedIds(): string[];
  duplicate(ids: string[]): Promise<void>;
  frame(ids: string[]): Promise<void>;
}): ContextMenuPlugin<Schemes> {
  const { area, store } = options;
  return new ContextMenuPlugin<Schemes>({
    items(context) {
      if (context === 'root') {
        const at = area.area.pointer;
        return {
          searchBar: true,
          list: [...store.catalog.values()].map((def) => ({
            label: `Add ${def.title}`,
            key: def.type,
            handler: () => {
              store.addNode(def.type, [at.x, at.y]);
            },
          })),
        };
      }
      if (context instanceof ReteNode && isFrame(context.record))
        return { searchBar: false, list: frameMenu(store, context.record) };
      if (context instanceof ReteNode) {
        const ids = context.selected ? options.selectedIds() : [context.id];
        return {
          searchBar: false,
          list: [
            {
              label: ids.length > 1 ? `Delete ${ids.length} nodes` : 'Delete',
              key: 'delete',
              handler: () => store.removeNodes(ids),
            },
            {
              label: ids.length > 1 ? `Duplicate ${ids.length} nodes` : 'Duplicate',
              key: 'duplicate',
              handler: () => void options.duplicate(ids),
            },
            { label: 'Frame (Ctrl+G)', key: 'frame', handler: () => void options.frame(ids) },
            ...(['bypass', 'mute'] as const).map((mode) => {
              const on = ids.every((id) => store.node(id)?.mode === mode);
              return {
                label: `${on ? 'Un-' : ''}${mode === 'bypass' ? 'bypass (Ctrl+B)' : 'mute (Ctrl+M)'}`,
                key: mode,
                handler: () => store.setMode(ids, on ? undefined : mode),
              };
            }),
          ],
        };
      }
      return { searchBar: false, list: [] };
    },
  });
}
