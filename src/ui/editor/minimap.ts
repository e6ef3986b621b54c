// The minimap: rete-minimap-plugin's signals, drawn on one canvas (MinimapCanvas.vue), with its
// render replaced. The stock render reads the container's clientWidth (a forced layout of the
// whole canvas when anything changed) and walks every node view on every node/zoom/pan signal;
// this one runs at most once a frame, not during a sync, takes the view size from the viewport
// observer and the node boxes from a cache that only node changes invalidate.
import type { AreaPlugin } from 'rete-area-plugin';
import type { NodeEditor } from 'rete';
import { MinimapPlugin } from 'rete-minimap-plugin';
import type { RenderPreset } from 'rete-vue-plugin';
import MinimapCanvas from './MinimapCanvas.vue';
import type { AreaExtra, Schemes } from './rete-node';

interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** The stock minimap preset's data, drawn by MinimapCanvas instead of one element per node. */
function canvasMinimapPreset(size: number): RenderPreset<Schemes, AreaExtra> {
  const propsOf = (context: Extract<AreaExtra, { type: 'render' }>) => {
    if (context.data.type !== 'minimap') return undefined;
    const { nodes, ratio, viewport, translate, point } = context.data;
    return { size, nodes, ratio, viewport, translate, point };
  };
  return {
    update: (context) => propsOf(context),
    render: (context) => {
      const props = propsOf(context);
      return props && { component: MinimapCanvas, props };
    },
  };
}

const MIN_DISTANCE = 2000;

export interface Minimap {
  plugin: MinimapPlugin<Schemes>;
  preset: RenderPreset<Schemes, AreaExtra>;
  /** node boxes changed (nodes added, removed or moved) */
  invalidateNodes(): void;
}

export function createMinimap(options: {
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
  size: number;
  viewportSize: { w: number; h: number };
  busy: () => boolean;
}): Minimap {
  const { editor, area, viewportSize } = options;
  const plugin = new MinimapPlugin<Schemes>({ boundViewport: true });
  let nodeRects: Rect[] | null = null;
  let nodeBox: { left: number; top: number; right: number; bottom: number } | null = null;

  function measureNodes(): void {
    nodeRects = [];
    let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const node of editor.getNodes()) {
      const view = area.nodeViews.get(node.id);
      if (!view) continue;
      const r = { left: view.position.x, top: view.position.y, width: node.width, height: node.height };
      nodeRects.push(r);
      left = Math.min(left, r.left);
      top = Math.min(top, r.top);
      right = Math.max(right, r.left + r.width);
      bottom = Math.max(bottom, r.top + r.height);
    }
    nodeBox = nodeRects.length ? { left, top, right, bottom } : null;
  }

  function draw(): void {
    if (!nodeRects) measureNodes();
    const transform = area.area.transform;
    const { w: width, h: height } = viewportSize;
    const viewport = {
      left: -transform.x / transform.k,
      top: -transform.y / transform.k,
      width: width / transform.k,
      height: height / transform.k,
    };
    // the bounding box of the nodes and the viewport (boundViewport), as the plugin computes it
    const box = {
      left: Math.min(nodeBox?.left ?? Infinity, viewport.left),
      top: Math.min(nodeBox?.top ?? Infinity, viewport.top),
      right: Math.max(nodeBox?.right ?? -Infinity, viewport.left + viewport.width),
      bottom: Math.max(nodeBox?.bottom ?? -Infinity, viewport.top + viewport.height),
    };
    const ratio = 1;
    const distance = Math.max(MIN_DISTANCE, Math.max(box.right - box.left, (box.bottom - box.top) * ratio));
    const origin = {
      x: (distance - (box.right - box.left)) / 2 - box.left,
      y: (distance / ratio - (box.bottom - box.top)) / 2 - box.top,
    };
    const scale = (v: number) => v / distance;
    const invert = (v: number) => v * distance;
    void plugin.parentScope().emit({
      type: 'render',
      data: {
        type: 'minimap',
        element: (plugin as unknown as { element: HTMLElement }).element,
        ratio,
        start: () => transform,
        nodes: nodeRects!.map((n) => ({
          left: scale(n.left + origin.x),
          top: scale(n.top + origin.y),
          width: scale(n.width),
          height: scale(n.height),
        })),
        viewport: {
          left: scale(viewport.left + origin.x),
          top: scale(viewport.top + origin.y),
          width: scale(viewport.width),
          height: scale(viewport.height),
        },
        translate(dx: number, dy: number) {
          const { x, y, k } = transform;
          void area.area.translate(x + invert(dx) * k, y + invert(dy) * k);
        },
        point(x: number, y: number) {
          const at = { x: (origin.x - invert(x)) * transform.k, y: (origin.y - invert(y)) * transform.k };
          void area.area.translate(at.x + width / 2, at.y + height / 2);
        },
      },
    } as never);
  }

  let frame = 0;
  const schedule = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      if (options.busy()) schedule();
      else draw();
    });
  };
  // the plugin calls render() on node, zoom and pan signals
  (plugin as unknown as { render: () => void }).render = schedule;
  area.addPipe((context) => {
    const type = (context as { type?: string }).type;
    if (type === 'nodetranslated' || type === 'nodecreated' || type === 'noderemoved' || type === 'noderesized')
      nodeRects = null;
    return context;
  });

  return {
    plugin,
    preset: canvasMinimapPreset(options.size),
    invalidateNodes() {
      nodeRects = null;
      schedule();
    },
  };
}
