// Shift-drag on the canvas background draws a selection rectangle; the nodes it touches are
// added to the selection.
import type { NodeEditor } from 'rete';
import type { AreaPlugin } from 'rete-area-plugin';
import type { AreaExtra, Schemes } from './rete-node';
import { isFrame } from './frames';

export function installSelectionBand(options: {
  container: HTMLElement;
  editor: NodeEditor<Schemes>;
  area: AreaPlugin<Schemes, AreaExtra>;
  toArea(client: { x: number; y: number }): [number, number];
  select(id: string): Promise<void>;
  done(): void;
}): () => void {
  const { container, editor, area, toArea } = options;
  const band = document.createElement('div');
  band.className = 'selection-band';
  band.hidden = true;
  container.appendChild(band);
  const onBandDown = (e: PointerEvent) => {
    const target = e.target as HTMLElement;
    if (!e.shiftKey || e.button !== 0 || target.closest('[data-node-type]') || target.closest('.minimap')) return;
    e.stopPropagation(); // keep the area from panning
    e.preventDefault();
    const box = container.getBoundingClientRect();
    const start = { x: e.clientX, y: e.clientY };
    const move = (ev: PointerEvent) => {
      const x0 = Math.min(start.x, ev.clientX) - box.left;
      const y0 = Math.min(start.y, ev.clientY) - box.top;
      Object.assign(band.style, {
        left: `${x0}px`,
        top: `${y0}px`,
        width: `${Math.abs(ev.clientX - start.x)}px`,
        height: `${Math.abs(ev.clientY - start.y)}px`,
      });
      band.hidden = false;
    };
    const up = async (ev: PointerEvent) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      band.hidden = true;
      const [ax, ay] = toArea(start);
      const [bx, by] = toArea({ x: ev.clientX, y: ev.clientY });
      const [minX, maxX, minY, maxY] = [Math.min(ax, bx), Math.max(ax, bx), Math.min(ay, by), Math.max(ay, by)];
      for (const node of editor.getNodes()) {
        const pos = area.nodeViews.get(node.id)?.position;
        if (!pos) continue;
        // a frame is taken only when the band holds all of it
        if (
          isFrame(node.record) &&
          !(pos.x >= minX && pos.x + node.width <= maxX && pos.y >= minY && pos.y + node.height <= maxY)
        )
          continue;
        if (pos.x < maxX && pos.x + node.width > minX && pos.y < maxY && pos.y + node.height > minY)
          await options.select(node.id);
      }
      options.done();
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  container.addEventListener('pointerdown', onBandDown, true);
  return () => container.removeEventListener('pointerdown', onBandDown, true);
}
