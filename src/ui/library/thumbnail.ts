// Thumbnails and export images are taken from what the editor shows: the node previews
// (hook `data-testid="node-preview"`, docs/architecture.md#end-to-end-hooks), preferring the
// nodes whose definition ranks their preview as the graph's result (`ui.resultRank`, which the
// node view writes as `data-result-rank`): Generate's edited face first.

/** The preview element (`<img>` or `<canvas>`) that best shows the graph's result, if any. */
export function findMainPreview(root: ParentNode = document): HTMLImageElement | HTMLCanvasElement | null {
  const ranked = [...root.querySelectorAll<HTMLElement>('[data-result-rank]')].sort(
    (a, b) => Number(b.dataset.resultRank) - Number(a.dataset.resultRank),
  );
  for (const node of ranked) {
    for (const el of node.querySelectorAll('[data-testid="node-preview"]')) {
      if (hasPixels(el)) return el as HTMLImageElement | HTMLCanvasElement;
    }
  }
  for (const el of root.querySelectorAll<HTMLElement>('[data-testid="node-preview"]')) {
    if (hasPixels(el)) return el as HTMLImageElement | HTMLCanvasElement;
  }
  return null;
}

function hasPixels(el: Element): boolean {
  if (el instanceof HTMLCanvasElement) return el.width > 0 && el.height > 0;
  if (el instanceof HTMLImageElement) return el.complete && el.naturalWidth > 0;
  return false;
}

/** Draw `source` scaled to fit `size`×`size` (aspect kept, centred) into a new canvas. */
export function drawFitted(source: HTMLImageElement | HTMLCanvasElement, size: number): HTMLCanvasElement {
  const width = source instanceof HTMLImageElement ? source.naturalWidth : source.width;
  const height = source instanceof HTMLImageElement ? source.naturalHeight : source.height;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = '#1d1f24';
  ctx.fillRect(0, 0, size, size);
  const scale = Math.min(size / width, size / height);
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, Math.round((size - w) / 2), Math.round((size - h) / 2), w, h);
  return canvas;
}

/** A small PNG data URL of the main preview, or null when nothing has been rendered yet. */
export function captureThumbnail(size = 96, root: ParentNode = document): string | null {
  const preview = findMainPreview(root);
  if (!preview) return null;
  try {
    return drawFitted(preview, size).toDataURL('image/png');
  } catch {
    return null; // a tainted canvas (cross-origin image) cannot be read back
  }
}
