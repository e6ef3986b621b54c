// Shared helpers for the end-to-end specs and the editor benchmark: Debian's Chromium driven by
// playwright-core, one fresh profile (user-data-dir) per "browser", and the stable hooks
// (docs/architecture.md#end-to-end-hooks).
import { chromium } from 'playwright-core';
import { mkdtemp, rm, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Selectors for the stable hooks (docs/architecture.md#end-to-end-hooks). */
export const SEL = {
  node: (type) => `[data-node-type="${type}"]`,
  preview: (type) => `[data-node-type="${type}"] [data-testid="node-preview"]`,
  run: '[data-testid="run"]',
  library: '[data-testid="library"]',
  import: '[data-testid="import"]',
  export: '[data-testid="export"]',
  alert: '[role="alert"]',
};

/**
 * A browser with its own profile directory. Pass the `dir` of an earlier profile to reopen it
 * (a browser restart); leave it out for a fresh profile.
 */
export async function launchProfile({ dir, keep = false, viewport = { width: 1400, height: 900 } } = {}) {
  const userDataDir = dir ?? (await mkdtemp(join(tmpdir(), 'delta-e2e-')));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport,
    acceptDownloads: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const consoleLines = [];
  const watch = (p) => {
    p.on('console', (msg) => {
      if (msg.type() === 'error' || msg.type() === 'warning') consoleLines.push(`[${msg.type()}] ${msg.text()}`);
    });
    p.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
  };
  watch(page);
  context.on('page', watch);
  return {
    context,
    page,
    dir: userDataDir,
    consoleLines,
    async close({ removeDir = !keep } = {}) {
      await context.close().catch(() => {});
      if (removeDir) await rm(userDataDir, { recursive: true, force: true }).catch(() => {});
    },
  };
}

/**
 * Pixel statistics of a preview (`<img>` or `<canvas>`): size, mean, standard deviation and a
 * hash of the RGBA bytes. null when the element is missing or not drawn yet.
 */
export async function previewStats(page, selector) {
  return page.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    let w = 0;
    let h = 0;
    if (el instanceof HTMLCanvasElement) {
      w = el.width;
      h = el.height;
    } else if (el instanceof HTMLImageElement) {
      if (!el.complete) return null;
      w = el.naturalWidth;
      h = el.naturalHeight;
    } else return null;
    if (!w || !h) return null;
    const c = document.createElement('canvas');
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    ctx.drawImage(el, 0, 0);
    const data = ctx.getImageData(0, 0, w, h).data;
    let sum = 0;
    let sumSq = 0;
    let hash = 2166136261;
    for (let i = 0; i < data.length; i++) {
      hash = Math.imul(hash ^ data[i], 16777619) >>> 0;
      if ((i & 3) === 3) continue; // alpha is not image content
      sum += data[i];
      sumSq += data[i] * data[i];
    }
    const n = (data.length / 4) * 3;
    const mean = sum / n;
    return { width: w, height: h, mean, std: Math.sqrt(Math.max(0, sumSq / n - mean * mean)), hash: hash.toString(16) };
  }, selector);
}

/** Wait until the preview exists and is not a flat image; returns its stats. */
export async function waitForImage(page, selector, { timeout = 60_000, minStd = 4 } = {}) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await previewStats(page, selector).catch(() => null);
    if (last && last.std >= minStd) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`no non-blank image in ${selector} within ${timeout} ms (last: ${JSON.stringify(last)})`);
}

/** Wait until the preview's pixels differ from `oldHash`; returns the new stats. */
export async function waitForImageChange(page, selector, oldHash, { timeout = 30_000 } = {}) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await previewStats(page, selector).catch(() => null);
    if (last && last.hash !== oldHash) return last;
    await page.waitForTimeout(50);
  }
  throw new Error(`the image in ${selector} did not change within ${timeout} ms (hash ${oldHash})`);
}

/** The `data-node-state` of every node element, keyed by node type (a list when several). */
export async function nodeStates(page) {
  return page.evaluate(() => {
    const out = {};
    for (const el of document.querySelectorAll('[data-node-type]')) {
      const type = el.getAttribute('data-node-type');
      (out[type] ??= []).push(el.getAttribute('data-node-state'));
    }
    return out;
  });
}

/** Wait until no node is running (and at least one has finished). */
export async function waitForSettled(page, { timeout = 60_000 } = {}) {
  await page.waitForFunction(
    () => {
      const states = [...document.querySelectorAll('[data-node-type]')].map((el) => el.getAttribute('data-node-state'));
      return (
        states.length > 0 &&
        !states.includes('running') &&
        states.some((s) => s === 'done' || s === 'cached' || s === 'error')
      );
    },
    null,
    { timeout, polling: 100 },
  );
}

/** Open the editor and wait for the example graph's edited face on the Generate node. */
export async function openEditor(page, url, { timeout = 90_000 } = {}) {
  await page.goto(url, { waitUntil: 'load' });
  return waitForImage(page, SEL.preview('generate'), { timeout });
}

/** Wait until the note of the first node of `type` matches `re` (what the node said after it ran). */
export async function waitForNote(page, type, re, timeout = 60_000) {
  await page.waitForFunction(
    ({ sel, source }) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ''),
    { sel: `${SEL.node(type)} [data-testid="node-note"]`, source: re.source },
    { timeout },
  );
}

/** Set an `<input type="range">` inside a node (fires input + change like a user would). */
export async function setSlider(page, nodeType, value, { index = 0 } = {}) {
  const slider = page.locator(`${SEL.node(nodeType)} input[type="range"]`).nth(index);
  await slider.fill(String(value));
}

export async function sliderValue(page, nodeType, { index = 0 } = {}) {
  return page
    .locator(`${SEL.node(nodeType)} input[type="range"]`)
    .nth(index)
    .inputValue();
}

/**
 * Import a file through the `import` hook: either it is the file input itself, or it opens the
 * file chooser (a button in front of a hidden input).
 */
export async function importThroughUi(page, file) {
  const control = page.locator(SEL.import).first();
  const isFileInput = await control.evaluate((el) => el instanceof HTMLInputElement && el.type === 'file');
  if (isFileInput) {
    await control.setInputFiles(file);
    return;
  }
  const [chooser] = await Promise.all([page.waitForEvent('filechooser', { timeout: 10_000 }), control.click()]);
  await chooser.setFiles(file);
}

/**
 * Export through the UI and return the downloaded file's name and bytes. `itemTestId` names the
 * control for one format (`export-json`, `export-png`); when the page has no such control, the
 * `export` hook is clicked (it may download directly or open a menu holding the item).
 */
export async function exportThroughUi(page, itemTestId) {
  const item = page.locator(`[data-testid="${itemTestId}"]`).first();
  const downloadPromise = page.waitForEvent('download', { timeout: 30_000 });
  if (await item.isVisible().catch(() => false)) await item.click();
  else {
    await page.locator(SEL.export).first().click();
    const inMenu = await item.waitFor({ state: 'visible', timeout: 1000 }).then(
      () => true,
      () => false,
    );
    if (inMenu) await item.click();
  }
  const download = await downloadPromise;
  const path = await download.path();
  return { name: download.suggestedFilename(), bytes: await readFile(path) };
}

/** Drop a file on an element as a user dragging it from the desktop would. */
export async function dropFile(page, selector, { name, mimeType, buffer }) {
  const data = [...buffer];
  const dataTransfer = await page.evaluateHandle(
    ({ bytes, fileName, type }) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], fileName, { type }));
      return dt;
    },
    { bytes: data, fileName: name, type: mimeType },
  );
  for (const type of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, type, { dataTransfer });
  }
}

/** `count` face-like PNGs (drawn in the page: gradients and shapes, 64 px) and one broken file, dropped on the batch panel. */
export async function dropBatchFaces(page, count = 19) {
  const dataTransfer = await page.evaluateHandle(async (n) => {
    const dt = new DataTransfer();
    for (let i = 0; i < n; i++) {
      const canvas = new OffscreenCanvas(64, 64);
      const g = canvas.getContext('2d');
      const grad = g.createRadialGradient(32, 28, 4, 32, 32, 40);
      grad.addColorStop(0, `hsl(${20 + i * 3}, 60%, ${55 + (i % 5) * 4}%)`);
      grad.addColorStop(1, `hsl(${200 + i * 7}, 30%, 25%)`);
      g.fillStyle = grad;
      g.fillRect(0, 0, 64, 64);
      g.fillStyle = '#222';
      g.fillRect(20 + (i % 3), 24, 6, 4);
      g.fillRect(38 - (i % 3), 24, 6, 4);
      g.fillRect(26, 44 + (i % 4), 12, 3);
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      dt.items.add(new File([blob], `face-${String(i).padStart(2, '0')}.png`, { type: 'image/png' }));
    }
    dt.items.add(new File([new Uint8Array([1, 2, 3])], `face-${n}-broken.png`, { type: 'image/png' }));
    return dt;
  }, count);
  for (const type of ['dragenter', 'dragover', 'drop'])
    await page.dispatchEvent('[data-testid="batch-drop"]', type, { dataTransfer });
}

/** The texts of all visible alerts. */
export async function alertTexts(page) {
  return page
    .locator(SEL.alert)
    .evaluateAll((els) =>
      els.filter((el) => el.offsetParent !== null || el.getClientRects().length).map((el) => el.textContent.trim()),
    );
}

/**
 * Wait until the autosaved session in IndexedDB (database "delta-studio", store "session")
 * holds a node of `nodeType` whose param `param` equals `value`: proof the change was persisted.
 */
export async function waitForPersistedParam(page, nodeType, param, value, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  // polled from here: waitForFunction does not wait for an async predicate's result
  for (;;) {
    const found = await page.evaluate(
      async ({ nodeType, param, value }) => {
        // opening a database that does not exist yet would create it empty, under the app's feet
        if (!(await indexedDB.databases()).some((d) => d.name === 'delta-studio')) return false;
        const db = await new Promise((resolve) => {
          const req = indexedDB.open('delta-studio');
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => resolve(null);
        });
        if (!db || !db.objectStoreNames.contains('session')) {
          db?.close();
          return false;
        }
        const records = await new Promise((resolve) => {
          const req = db.transaction('session').objectStore('session').getAll();
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => resolve([]);
        });
        db.close();
        // the app stores a session's document as its JSON text (docText); older records hold it as `doc`
        const docOf = (r) => (typeof r.docText === 'string' ? JSON.parse(r.docText) : r.doc);
        return records.some((r) =>
          docOf(r)?.nodes?.some((n) => n.type === nodeType && Number(n.params?.[param]) === value),
        );
      },
      { nodeType, param, value },
    );
    if (found) return;
    if (Date.now() > deadline)
      throw new Error(`the autosaved session never held ${nodeType}.${param} = ${value} (waited ${timeout} ms)`);
    await page.waitForTimeout(200);
  }
}
