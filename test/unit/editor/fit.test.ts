// Fit's view: the whole graph when it reads at that zoom; otherwise a readable zoom on the
// selection or on the nodes nearest the outputs.
import { describe, expect, it } from 'vitest';
import { READABLE_ZOOM, fitTransform, type FitBox } from '../../../src/ui/editor/fit';

/** A chain of `n` columns 280 apart (the examples' layout), wired left to right, plus a side branch. */
function chain(n: number) {
  const boxes: FitBox[] = Array.from({ length: n }, (_, i) => ({
    id: `c${i}`,
    x: i * 280,
    y: 0,
    width: 248,
    height: 300,
  }));
  const wires = boxes.slice(1).map((b, i) => ({ from: `c${i}`, to: b.id }));
  return { boxes, wires };
}

/** Whether box `b` lies in the viewport under transform `t`. */
const onScreen = (b: FitBox, t: { k: number; x: number; y: number }, [w, h]: [number, number]) =>
  b.x * t.k + t.x >= 0 && b.y * t.k + t.y >= 0 && (b.x + b.width) * t.k + t.x <= w && (b.y + b.height) * t.k + t.y <= h;

describe('Fit', () => {
  it('shows the whole graph when its text reads at that zoom', () => {
    const { boxes, wires } = chain(3);
    const view = fitTransform(boxes, wires, [], [1200, 700])!;
    expect(view.ids).toEqual(['c0', 'c1', 'c2']);
    expect(view.k).toBe(1);
    for (const b of boxes) expect(onScreen(b, view, [1200, 700])).toBe(true);
  });

  it('at 1024 px a 5-column graph does not fit readably: readable zoom on the columns nearest the output', () => {
    const { boxes, wires } = chain(5);
    const size: [number, number] = [780, 640]; // the canvas beside the library at 1024 px
    const overview = fitTransform(boxes, wires, [], size, { readable: false })!;
    expect(overview.k).toBeLessThan(0.6); // labels (12 px) under 7 px: what the user saw
    const view = fitTransform(boxes, wires, [], size)!;
    expect(view.k).toBeGreaterThanOrEqual(READABLE_ZOOM);
    expect(12 * view.k).toBeGreaterThanOrEqual(11);
    expect(view.ids).toEqual(['c4', 'c3']);
    for (const b of boxes) expect(onScreen(b, view, size)).toBe(view.ids.includes(b.id));
  });

  it('fits the selection instead when there is one; annotations (a frame around everything) come last', () => {
    const { boxes, wires } = chain(5);
    const frame: FitBox = { id: 'f', x: -30, y: -50, width: 1460, height: 400, annotation: true };
    const size: [number, number] = [780, 640];
    const view = fitTransform([frame, ...boxes], wires, ['c0', 'c1'], size)!;
    expect(view.ids.sort()).toEqual(['c0', 'c1']);
    expect(view.k).toBeGreaterThanOrEqual(READABLE_ZOOM);
    const outputs = fitTransform([frame, ...boxes], wires, [], size)!;
    expect(outputs.ids).toEqual(['c4', 'c3']);
    // one node bigger than the view still gets fitted, at whatever zoom it needs
    const lone = fitTransform([frame], [], [], size)!;
    expect([lone.ids, lone.k < READABLE_ZOOM]).toEqual([['f'], true]);
    expect(fitTransform([], [], [], size)).toBeNull();
  });
});
