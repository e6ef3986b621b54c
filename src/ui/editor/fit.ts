// Where Fit puts the view. The whole graph when it fits at a zoom where node text is readable;
// otherwise that zoom, on what matters: the selection if there is one, else the nodes nearest the
// outputs (fewest wires downstream of them to a node with no outgoing wire), as many as fit. The
// minimap shows the rest. Pure arithmetic, no DOM.

/** Param and port labels are 12 px at zoom 1: below this zoom they read under 11 px. */
export const READABLE_ZOOM = 11 / 12;
/** the share of the viewport the fitted boxes may take (as AreaExtensions.zoomAt) */
const MARGIN = 0.9;

export interface FitBox {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** a note or a frame: never what matters most */
  annotation?: boolean;
}

export interface FitResult {
  /** the area transform: screen = area × k + (x, y) */
  k: number;
  x: number;
  y: number;
  /** the ids of the boxes fitted (all of them unless the graph did not fit readably) */
  ids: string[];
}

type Bounds = [number, number, number, number];

const boundsOf = (boxes: FitBox[]): Bounds => [
  Math.min(...boxes.map((b) => b.x)),
  Math.min(...boxes.map((b) => b.y)),
  Math.max(...boxes.map((b) => b.x + b.width)),
  Math.max(...boxes.map((b) => b.y + b.height)),
];

/** Wires downstream of each box to an output (a box with no outgoing wire); annotations last. */
function byNearnessToOutputs(boxes: FitBox[], wires: { from: string; to: string }[]): FitBox[] {
  const ids = new Set(boxes.map((b) => b.id));
  const upstream = new Map<string, string[]>();
  const hasOut = new Set<string>();
  for (const w of wires) {
    if (!ids.has(w.from) || !ids.has(w.to)) continue;
    hasOut.add(w.from);
    upstream.set(w.to, [...(upstream.get(w.to) ?? []), w.from]);
  }
  const distance = new Map<string, number>();
  let frontier = boxes.filter((b) => !b.annotation && !hasOut.has(b.id)).map((b) => b.id);
  for (let d = 0; frontier.length; d++) {
    const next: string[] = [];
    for (const id of frontier) {
      if (distance.has(id)) continue;
      distance.set(id, d);
      next.push(...(upstream.get(id) ?? []));
    }
    frontier = next;
  }
  const rank = (b: FitBox) => (b.annotation ? Infinity : (distance.get(b.id) ?? Infinity));
  // ties: the right-most first (outputs are drawn on the right), then the top-most
  return [...boxes].sort((a, b) => rank(a) - rank(b) || b.x - a.x || a.y - b.y);
}

function centred([minX, minY, maxX, maxY]: Bounds, k: number, w: number, h: number) {
  return { k, x: w / 2 - ((minX + maxX) / 2) * k, y: h / 2 - ((minY + maxY) / 2) * k };
}

const zoomFor = ([minX, minY, maxX, maxY]: Bounds, w: number, h: number) =>
  Math.min((w * MARGIN) / Math.max(1, maxX - minX), (h * MARGIN) / Math.max(1, maxY - minY), 1);

/**
 * The view for `boxes` in a `w`×`h` viewport. `readable`: Fit's rule above; otherwise the whole
 * graph at whatever zoom it needs (opening a graph shows all of it).
 */
export function fitTransform(
  boxes: FitBox[],
  wires: { from: string; to: string }[],
  selected: string[],
  [w, h]: [number, number],
  { readable = true } = {},
): FitResult | null {
  if (!boxes.length) return null;
  const all = boundsOf(boxes);
  const kAll = zoomFor(all, w, h);
  if (!readable || kAll >= READABLE_ZOOM) return { ...centred(all, kAll, w, h), ids: boxes.map((b) => b.id) };
  const chosen = new Set(selected);
  const candidates = chosen.size ? boxes.filter((b) => chosen.has(b.id)) : boxes;
  const order = byNearnessToOutputs(candidates.length ? candidates : boxes, wires);
  // as many as fit at the readable zoom, in order of importance (one at least, whatever its size)
  const fitted: FitBox[] = [];
  for (const box of order) {
    const [minX, minY, maxX, maxY] = boundsOf([...fitted, box]);
    if (!fitted.length || ((maxX - minX) * READABLE_ZOOM <= w * MARGIN && (maxY - minY) * READABLE_ZOOM <= h * MARGIN))
      fitted.push(box);
  }
  const bounds = boundsOf(fitted);
  return { ...centred(bounds, zoomFor(bounds, w, h), w, h), ids: fitted.map((b) => b.id) };
}
