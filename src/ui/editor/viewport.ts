// What is in view, and what that costs. Every node view is a Vue app: a big graph cannot mount
// them all (10,000 of them took the page down), and even empty elements cost: every frame
// restyled and laid out thousands of them (a 3,000-node ring: 98 s to open, tasks of seconds).
// In a graph of more than WINDOW_ABOVE nodes only the nodes in view (plus a margin) get their
// view and their element in the document; the render signal of the others is held back until
// they scroll into view, and views far outside the view are unmounted and detached again. Wires
// are drawn while one of their ends has a view. Nodes without a view (and, far zoomed out, all
// nodes and wires) are drawn as boxes and lines on one canvas under the canvas's content.
// Mounting and unmounting run in time slices, nearest to the middle of the view first. Smaller
// graphs mount everything, as before.
// Level of detail (any graph): nodes off-screen or at low zoom are simplified (header and sockets).
// Overlays (minimap, legend) fade when a node reaches under them.
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { GraphNodeRecord, GraphStore } from './graph-store';
import { setSimplified } from './run-state';
import { NODE_WIDTH, estimateNodeHeight, type AreaExtra, type Schemes } from './rete-node';
import { timeSlicer } from './scheduling';
import { frameSize, isFrame } from './frames';
import { fitTransform } from './fit';

/** below this zoom nodes are drawn without params and previews (unreadable anyway) */
const DETAIL_MIN_ZOOM = 0.4;
/** graphs with more nodes than this mount only the node views in view */
export const WINDOW_ABOVE = 100;
/** in such a graph, below this zoom no node view is mounted: nodes are boxes (text would be < 3 px) */
const WINDOW_MIN_ZOOM = 0.25;

type RenderData = { element: HTMLElement; type: string; payload: { id: string; source?: string; target?: string } };

export interface Viewport {
  /** the container's size, kept by a ResizeObserver (reading it would force a layout) */
  size: { w: number; h: number };
  /** level of detail, overlays and the mounted window follow the view (at most once a frame) */
  schedule(): void;
  fitToDocument(options?: { readable?: boolean; selected?: string[] }): Promise<void>;
  /** nodes ordered by the distance of their centre to the middle of the view */
  byDistanceToView(nodes: GraphNodeRecord[]): GraphNodeRecord[];
  /** whether a node has a mounted view (every node in a small graph) */
  isMounted(id: string): boolean;
  destroy(): void;
}

export function createViewport(options: {
  container: HTMLElement;
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
  store: GraphStore;
}): Viewport {
  const { container, editor, area, store } = options;
  const size = { w: container.clientWidth, h: container.clientHeight };

  const heightOf = (record: GraphNodeRecord) =>
    editor.getNode(record.id)?.height ?? (isFrame(record) ? frameSize(record)[1] : estimateNodeHeight(store, record));
  const widthOf = (record: GraphNodeRecord) =>
    editor.getNode(record.id)?.width ?? (isFrame(record) ? frameSize(record)[0] : NODE_WIDTH);

  /**
   * Every node's box (position, estimated size) in flat arrays, rebuilt when the document changes
   * (the store's revision): the overlays and the overview read all of them every pan frame, and
   * 10,000 record, lookup and estimate reads per frame were tens of ms.
   */
  let boxCache: {
    nodes: GraphNodeRecord[];
    count: number;
    revision: number;
    x: Float64Array;
    y: Float64Array;
    w: Float64Array;
    h: Float64Array;
    frame: Uint8Array;
  } | null = null;
  function nodeBoxes(): NonNullable<typeof boxCache> {
    const nodes = store.doc.nodes;
    const revision = store.revision.value;
    const c = boxCache;
    if (c && c.nodes === nodes && c.count === nodes.length && c.revision === revision) return c;
    const n = nodes.length;
    const boxes = {
      nodes,
      count: n,
      revision,
      x: new Float64Array(n),
      y: new Float64Array(n),
      w: new Float64Array(n),
      h: new Float64Array(n),
      frame: new Uint8Array(n),
    };
    nodes.forEach((record, i) => {
      boxes.x[i] = record.position[0];
      boxes.y[i] = record.position[1];
      boxes.w[i] = widthOf(record);
      boxes.h[i] = heightOf(record);
      boxes.frame[i] = isFrame(record) ? 1 : 0;
    });
    return (boxCache = boxes);
  }

  /** the view in area coordinates, widened by `margin` screens on each side */
  function viewBox(margin: number): [number, number, number, number] {
    const { x, y, k } = area.area.transform;
    const { w, h } = size;
    return [(-x - margin * w) / k, (-y - margin * h) / k, (-x + (1 + margin) * w) / k, (-y + (1 + margin) * h) / k];
  }
  function overlaps(record: GraphNodeRecord, [minX, minY, maxX, maxY]: number[]): boolean {
    const [nx, ny] = record.position;
    return nx < maxX! && nx + widthOf(record) > minX! && ny < maxY! && ny + heightOf(record) > minY!;
  }

  // ------------------------------------------------------------------ windowed mounting
  /** the latest render signal of every node and wire, to mount it later */
  const renders = new Map<string, RenderData>();
  const wireRenders = new Map<string, RenderData>();
  const mounted = new Set<string>();
  const mountedWires = new Set<string>();
  const wiresAt = new Map<string, Set<string>>();
  const windowed = () => store.doc.nodes.length > WINDOW_ABOVE;
  /** a node whose view should exist now */
  function wanted(id: string): boolean {
    if (!windowed()) return true;
    if (area.area.transform.k < WINDOW_MIN_ZOOM) return false;
    const record = store.node(id);
    return !!record && overlaps(record, viewBox(0.5));
  }

  const content = area.area.content;
  function detach(element: HTMLElement): void {
    if (element.parentElement === content.holder) content.holder.removeChild(element);
  }
  function attach(element: HTMLElement, wire = false): void {
    if (element.parentElement === content.holder) return;
    if (wire) content.holder.insertBefore(element, content.holder.firstChild);
    else content.holder.appendChild(element);
  }
  // the area reorders a picked node or a new wire; one held out of the document stays out
  const reorder = content.reorder.bind(content);
  content.reorder = async (target, next) => {
    if (target.parentElement !== content.holder) return;
    await reorder(target, next && next.parentElement === content.holder ? next : null);
  };

  area.addPipe((context) => {
    const ctx = context as { type: string; data: RenderData & { id: string } };
    if (ctx.type === 'render' && ctx.data.type === 'node') {
      const id = ctx.data.payload.id;
      renders.set(id, ctx.data);
      if (!mounted.has(id) && !wanted(id)) {
        detach(ctx.data.element);
        scheduleOverview();
        return; // held back: the view is mounted when the node comes into view
      }
      mounted.add(id);
      attach(ctx.data.element);
      setSimplified(id, simplifiedNow(id));
    } else if (ctx.type === 'render' && ctx.data.type === 'connection') {
      const { id, source, target } = ctx.data.payload;
      wireRenders.set(id, ctx.data);
      if (!mountedWires.has(id) && !mounted.has(source!) && !mounted.has(target!) && windowed()) {
        detach(ctx.data.element);
        return;
      }
      mountedWires.add(id);
      attach(ctx.data.element, true);
    } else if (ctx.type === 'noderemoved') {
      renders.delete(ctx.data.id);
      mounted.delete(ctx.data.id);
    } else if (ctx.type === 'connectioncreated') {
      const { id, source, target } = ctx.data as unknown as { id: string; source: string; target: string };
      for (const end of [source, target]) {
        let set = wiresAt.get(end);
        if (!set) wiresAt.set(end, (set = new Set()));
        set.add(id);
      }
    } else if (ctx.type === 'connectionremoved') {
      const { id, source, target } = ctx.data as unknown as { id: string; source: string; target: string };
      wireRenders.delete(id);
      mountedWires.delete(id);
      wiresAt.get(source)?.delete(id);
      wiresAt.get(target)?.delete(id);
    }
    return context;
  });

  async function mount(id: string): Promise<void> {
    const data = renders.get(id);
    if (!data || mounted.has(id)) return;
    mounted.add(id);
    attach(data.element);
    await area.emit({ type: 'render', data } as never);
    for (const wire of wiresAt.get(id) ?? []) {
      const wireData = wireRenders.get(wire);
      if (wireData && !mountedWires.has(wire)) {
        mountedWires.add(wire);
        attach(wireData.element, true);
        await area.emit({ type: 'render', data: wireData } as never);
      }
    }
  }

  async function unmount(id: string): Promise<void> {
    const data = renders.get(id);
    if (!data || !mounted.delete(id)) return;
    for (const wire of wiresAt.get(id) ?? []) {
      const wireData = wireRenders.get(wire);
      const other = wireData && (wireData.payload.source === id ? wireData.payload.target : wireData.payload.source);
      if (wireData && mountedWires.has(wire) && !mounted.has(other!)) {
        mountedWires.delete(wire);
        await area.emit({ type: 'unmount', data: { element: wireData.element } } as never);
        detach(wireData.element);
      }
    }
    await area.emit({ type: 'unmount', data: { element: data.element } } as never);
    detach(data.element);
  }

  let windowDirty = false;
  let windowRunning = false;
  /** mount what came into view and unmount what went far out of it, a time slice at a time */
  async function updateWindow(): Promise<void> {
    windowDirty = true;
    if (windowRunning) return;
    windowRunning = true;
    try {
      while (windowDirty) {
        windowDirty = false;
        const slice = timeSlicer();
        const keepBox = viewBox(1.5);
        const tooFar = (id: string) => {
          const record = store.node(id);
          return !record || !overlaps(record, keepBox) || area.area.transform.k < WINDOW_MIN_ZOOM;
        };
        const all = !windowed();
        const toUnmount = all ? [] : [...mounted].filter(tooFar);
        const toMount = byDistanceToView(
          [...renders.keys()]
            .filter((id) => !mounted.has(id) && wanted(id))
            .map((id) => store.node(id))
            .filter((r): r is GraphNodeRecord => !!r),
        );
        for (const id of toUnmount) {
          await slice();
          if (windowDirty) break;
          await unmount(id);
        }
        for (const record of toMount) {
          if (windowDirty) break;
          await slice();
          if (!windowDirty && wanted(record.id)) await mount(record.id);
          scheduleOverview();
        }
      }
    } finally {
      windowRunning = false;
    }
  }

  // ------------------------------------------------------------------ the overview canvas
  const overview = document.createElement('canvas');
  overview.className = 'node-overview';
  overview.setAttribute('aria-hidden', 'true');
  // after the content holder (the area's first child), before the minimap; it draws only where no view is
  container.appendChild(overview);
  let overviewFrame = 0;
  let overviewTimer: ReturnType<typeof setTimeout> | undefined;
  let overviewDrawn = 0;
  /** redraw soon: at most every 150 ms while nodes stream in (pan and zoom redraw every frame, in updateDetail) */
  function scheduleOverview(): void {
    if (overviewFrame || overviewTimer !== undefined) return;
    overviewTimer = setTimeout(
      () => {
        overviewTimer = undefined;
        overviewFrame = requestAnimationFrame(() => {
          overviewFrame = 0;
          drawOverview();
        });
      },
      Math.max(0, overviewDrawn + 150 - performance.now()),
    );
  }
  /** boxes for the nodes in view that have no view, and (far zoomed out) lines for the wires */
  function drawOverview(): void {
    overviewDrawn = performance.now();
    const g = overview.getContext('2d');
    if (!g) return;
    const dpr = window.devicePixelRatio || 1;
    const [w, h] = [Math.round(size.w * dpr), Math.round(size.h * dpr)];
    if (overview.width !== w) overview.width = w;
    if (overview.height !== h) overview.height = h;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, w, h);
    if (!windowed()) return;
    const { x, y, k } = area.area.transform;
    g.setTransform(dpr * k, 0, 0, dpr * k, dpr * x, dpr * y);
    const box = viewBox(0);
    if (k < WINDOW_MIN_ZOOM) {
      g.strokeStyle = 'rgba(140, 150, 180, 0.5)';
      g.lineWidth = 2 / k;
      g.beginPath();
      for (const c of store.doc.connections) {
        const from = store.node(c.from.node);
        const to = store.node(c.to.node);
        if (!from || !to) continue;
        const [x0, y0, x1, y1] = [
          from.position[0] + NODE_WIDTH,
          from.position[1] + 40,
          to.position[0],
          to.position[1] + 40,
        ];
        if (
          Math.max(x0, x1) < box[0] ||
          Math.min(x0, x1) > box[2] ||
          Math.max(y0, y1) < box[1] ||
          Math.min(y0, y1) > box[3]
        )
          continue;
        g.moveTo(x0, y0);
        g.lineTo(x1, y1);
      }
      g.stroke();
    }
    // one path for all boxes: one fill and one stroke instead of two raster operations per node
    g.beginPath();
    const b = nodeBoxes();
    for (let i = 0; i < b.count; i++) {
      const [nx, ny, nh] = [b.x[i]!, b.y[i]!, b.h[i]!];
      if (nx >= box[2] || nx + b.w[i]! <= box[0] || ny >= box[3] || ny + nh <= box[1]) continue;
      if (mounted.has(b.nodes[i]!.id)) continue;
      g.rect(nx, ny, NODE_WIDTH, nh);
    }
    g.fillStyle = '#2a3040';
    g.fill();
    g.strokeStyle = '#4a5270';
    g.lineWidth = 1 / k;
    g.stroke();
  }

  // ------------------------------------------------------------------ level of detail, overlays
  function simplifiedNow(id: string): boolean {
    const record = store.node(id);
    return area.area.transform.k < DETAIL_MIN_ZOOM || !record || !overlaps(record, viewBox(0.5));
  }

  /**
   * Overlays (minimap, legend: elements of the stage with `data-overlay`) never hide a node: one
   * that a node's box reaches under is marked `data-covering` and fades out of the way (style.css).
   */
  // overlay boxes relative to the container: read again after a resize, when the set of overlays
  // changes, or once a second (reading them every pan frame forced a layout of the whole page)
  let overlayCache: {
    elements: HTMLElement[];
    rects: DOMRect[];
    box: DOMRect;
    at: number;
    w: number;
    h: number;
  } | null = null;
  function overlayBoxes() {
    const now = performance.now();
    const c = overlayCache;
    if (c && now - c.at < 1000 && c.w === size.w && c.h === size.h && c.elements.every((el) => el.isConnected))
      return c;
    const elements = [
      ...(container.parentElement ?? container).querySelectorAll<HTMLElement>('[data-overlay], .minimap'),
    ];
    const box = container.getBoundingClientRect();
    overlayCache = {
      elements,
      rects: elements.map((el) => el.getBoundingClientRect()),
      box,
      at: now,
      w: size.w,
      h: size.h,
    };
    return overlayCache;
  }

  function updateOverlays(): void {
    const { elements: overlays, rects, box } = overlayBoxes();
    if (!overlays.length) return;
    const { x, y, k } = area.area.transform;
    const covering = overlays.map(() => false);
    const b = nodeBoxes();
    for (let i = 0; i < b.count; i++) {
      if (b.frame[i]) continue; // a frame is a background: what it holds counts
      // node messages and stacked params can make a node taller than its estimate
      const height = b.h[i]! + 40;
      const left = box.left + x + b.x[i]! * k;
      const top = box.top + y + b.y[i]! * k;
      const [right, bottom] = [left + NODE_WIDTH * k, top + height * k];
      rects.forEach((r, i) => {
        if (!covering[i] && r.width && left < r.right && right > r.left && top < r.bottom && bottom > r.top)
          covering[i] = true;
      });
    }
    overlays.forEach((el, i) => {
      if ((el.dataset.covering === 'true') !== covering[i]) el.dataset.covering = String(covering[i]);
    });
  }

  /** Mark mounted nodes outside the viewport (or all of them at low zoom) as simplified. */
  function updateDetail(): void {
    updateOverlays();
    drawOverview();
    for (const id of mounted) setSimplified(id, simplifiedNow(id));
    void updateWindow();
  }

  const resizeObserver = new ResizeObserver(([entry]) => {
    if (!entry) return;
    size.w = entry.contentRect.width;
    size.h = entry.contentRect.height;
    schedule();
  });
  resizeObserver.observe(container);
  let detailFrame = 0;
  function schedule(): void {
    if (!detailFrame)
      detailFrame = requestAnimationFrame(() => {
        detailFrame = 0;
        updateDetail();
      });
  }
  area.addPipe((ctx) => {
    if (ctx.type === 'translated' || ctx.type === 'zoomed' || ctx.type === 'resized') schedule();
    return ctx;
  });

  /**
   * Fit the view to the document's node positions (estimated sizes), without touching the DOM.
   * `readable` (the Fit button, F): never below a zoom where node text reads (fit.ts), showing the
   * selection or the nodes nearest the outputs when all do not fit; opening a graph shows all of it.
   */
  async function fitToDocument(options: { readable?: boolean; selected?: string[] } = {}): Promise<void> {
    const boxes = store.doc.nodes.map((record) => ({
      id: record.id,
      x: record.position[0],
      y: record.position[1],
      annotation: store.catalog.get(record.type)?.category === 'annotation',
      width: widthOf(record),
      height: heightOf(record),
    }));
    const wires = store.doc.connections.map((c) => ({ from: c.from.node, to: c.to.node }));
    const view = fitTransform(boxes, wires, options.selected ?? [], [size.w, size.h], {
      readable: !!options.readable,
    });
    if (!view) return;
    area.area.transform.x = view.x;
    area.area.transform.y = view.y;
    await area.area.zoom(view.k, 0, 0);
    schedule();
  }

  function byDistanceToView(nodes: GraphNodeRecord[]): GraphNodeRecord[] {
    const { x, y, k } = area.area.transform;
    const [cx, cy] = [(size.w / 2 - x) / k, (size.h / 2 - y) / k];
    const d = (n: GraphNodeRecord) => (n.position[0] + NODE_WIDTH / 2 - cx) ** 2 + (n.position[1] + 100 - cy) ** 2;
    return nodes.length > 1 ? [...nodes].sort((a, b) => d(a) - d(b)) : nodes;
  }

  return {
    size,
    schedule,
    fitToDocument,
    byDistanceToView,
    isMounted: (id) => mounted.has(id),
    destroy() {
      resizeObserver.disconnect();
      cancelAnimationFrame(detailFrame);
      cancelAnimationFrame(overviewFrame);
      clearTimeout(overviewTimer);
      overview.remove();
    },
  };
}
