// The delta library: "Save delta" on a node keeps its delta in the library (IndexedDB), it
// survives a reload, downloads as a .delta.json, and a Load Delta node in another graph picks it
// (embedded in the graph) and the edit shows; a broken delta file is refused with the problem
// named, by the library's import and by the toolbar's, and the open graph survives.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  SEL,
  alertTexts,
  dropFile,
  importThroughUi,
  openEditor,
  previewStats,
  waitForSettled,
} from '../lib/browser.mjs';

const DELTA = '[data-testid="library-delta"]';
const byId = (id) => `[data-node-id="${id}"] [data-testid="node-preview"]`;

/** Face → inversion → Add (← Load Delta) → Generate, and a second Generate of the inversion alone. */
function loadDeltaGraph(pack) {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 'Library delta',
    nodes: [
      { id: 'face', type: 'load-face', params: { pack, source: 'sample:1', crop: 'center' }, position: [0, 0] },
      { id: 'invert', type: 'gan-inversion', params: { pack }, position: [280, 0] },
      { id: 'ld', type: 'load-delta', params: { pack, source: '' }, position: [280, 320] },
      { id: 'add', type: 'add', params: { pack, combine: 'sum' }, position: [560, 0] },
      { id: 'edited', type: 'generate', params: { pack }, position: [840, 0] },
      { id: 'recon', type: 'generate', params: { pack }, position: [840, 360] },
    ],
    connections: [
      { id: 'c1', from: { node: 'face', socket: 'image' }, to: { node: 'invert', socket: 'image' } },
      { id: 'c2', from: { node: 'invert', socket: 'latent' }, to: { node: 'add', socket: 'latent' } },
      { id: 'c3', from: { node: 'ld', socket: 'delta' }, to: { node: 'add', socket: 'deltas' } },
      { id: 'c4', from: { node: 'add', socket: 'latent' }, to: { node: 'edited', socket: 'latent' } },
      { id: 'c5', from: { node: 'invert', socket: 'latent' }, to: { node: 'recon', socket: 'latent' } },
    ],
    packs: [],
    assets: {},
  };
}

async function waitForStats(page, selector, accept, timeout = 90_000) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    last = await previewStats(page, selector).catch(() => null);
    if (last && accept(last)) return last;
    await page.waitForTimeout(100);
  }
  throw new Error(`${selector}: no matching image within ${timeout} ms (last ${JSON.stringify(last)})`);
}

export const tests = [
  {
    name: 'delta library: save a delta from a run graph, reload, load it in a new graph and the edit shows',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url); // a first visit opens "Edit: head turn" (Scale α = 1)
      await waitForSettled(page, { timeout: 90_000 });
      await page.waitForFunction(
        (sel) => ['done', 'cached'].includes(document.querySelector(sel)?.getAttribute('data-node-state')),
        SEL.node('scale'),
        { timeout: 90_000 },
      );
      const original = await previewStats(page, SEL.preview('generate'));
      const pack = 'faceworld';
      await page.locator(`${SEL.node('scale')} [data-testid="save-delta"]`).click();
      await page.locator(DELTA).first().waitFor({ timeout: 15_000 });
      assert.match(await page.locator(DELTA).first().innerText(), /dge · yaw 0→25, K=4 · faceworld/);

      // shared like a graph: the download is a delta file with its provenance
      const downloading = page.waitForEvent('download', { timeout: 15_000 });
      await page.locator(`${DELTA} [data-testid="library-delta-download"]`).first().click();
      const download = await downloading;
      assert.match(download.suggestedFilename(), /\.delta\.json$/);
      const file = JSON.parse(await readFile(await download.path(), 'utf8'));
      assert.equal(file.format, 'delta-studio/delta');
      assert.equal(file.pack.id, pack);
      assert.match(file.pack.sha256, /^[0-9a-f]{64}$/);
      assert.deepEqual([file.method, file.attribute, file.from, file.to, file.k], ['dge', 'yaw', 0, 25, 4]);
      assert.equal(
        file.values.length,
        file.dims.reduce((a, b) => a * b, 1),
      );

      await page.reload({ waitUntil: 'load' });
      await page.locator(DELTA).first().waitFor({ timeout: 30_000 });
      assert.equal(await page.locator(DELTA).count(), 1, 'the saved delta is still in the library after a reload');
      const deltaId = await page.locator(DELTA).first().getAttribute('data-id');

      await importThroughUi(page, {
        name: 'library-delta.dge.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(loadDeltaGraph(pack))),
      });
      await page.locator(SEL.node('load-delta')).waitFor({ timeout: 15_000 });
      const recon = await waitForStats(page, byId('recon'), (s) => s.std > 4);
      await page.locator(`${SEL.node('load-delta')} [data-testid="delta-source"]`).selectOption(deltaId);
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-node-state') === 'done',
        SEL.node('load-delta'),
        { timeout: 60_000 },
      );
      assert.match(
        await page.locator(`${SEL.node('load-delta')} [data-testid="node-note"]`).innerText(),
        /^dge delta: yaw 0→25, K=4$/,
      );
      // the same edit on the same face as the saved graph's (values kept to 8 digits), not the plain inversion
      const edited = await waitForStats(page, byId('edited'), (s) => s.std > 4, 60_000);
      assert.notEqual(edited.hash, recon.hash, 'the loaded delta changes the face');
      assert.ok(
        Math.abs(edited.mean - original.mean) < 0.5 && Math.abs(edited.std - original.std) < 0.5,
        'same edit as saved',
      );
      assert.match(
        await page.locator(`${SEL.node('load-delta')} [data-testid="delta-source"]`).inputValue(),
        /^embedded$/,
      );
    },
  },
  {
    name: 'delta library: a broken delta file is refused with the problem named and the open graph survives',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      const name = await page.locator('[data-testid="graph-name"]').inputValue();
      const nodes = await page.locator('[data-node-type]').count();
      const broken = {
        format: 'delta-studio/delta',
        version: 1,
        pack: { id: 'faceworld', sha256: 'a'.repeat(64) },
        method: 'dge',
        dims: [1, 4],
        values: [1, 2, 3],
      };
      const buffer = Buffer.from(JSON.stringify(broken));
      // the library's own import
      await page
        .locator('[data-testid="library-delta-file"]')
        .setInputFiles({ name: 'broken.delta.json', mimeType: 'application/json', buffer });
      const error = page.locator('[data-testid="library-delta-error"]');
      await error.waitFor({ timeout: 10_000 });
      assert.match(
        await error.innerText(),
        /Cannot import “broken\.delta\.json”: values: expected 4 values for dims \[1,4\], got 3/,
      );
      // the toolbar's import and a drop on the canvas route .delta.json files to the library too
      await importThroughUi(page, { name: 'broken.delta.json', mimeType: 'application/json', buffer });
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[role="alert"]')].some((el) =>
            /values: expected 4 values/.test(el.textContent),
          ),
        null,
        { timeout: 10_000 },
      );
      await dropFile(page, '[data-testid="editor-canvas"]', {
        name: 'not-json.delta.json',
        mimeType: 'application/json',
        buffer: Buffer.from('{"format": "delta-studio/delta", '),
      });
      await page.waitForFunction(
        () =>
          [...document.querySelectorAll('[role="alert"]')].some((el) => /not-json\.delta\.json/.test(el.textContent)),
        null,
        { timeout: 10_000 },
      );
      assert.ok(
        (await alertTexts(page)).some((t) => /JSON/i.test(t)),
        'the unreadable file is named as not JSON',
      );
      assert.equal(await page.locator(DELTA).count(), 0, 'nothing was stored');
      assert.equal(await page.locator('[data-testid="graph-name"]').inputValue(), name, 'the open graph stays');
      assert.equal(await page.locator('[data-node-type]').count(), nodes);
      await waitForSettled(page);
      assert.ok((await previewStats(page, SEL.preview('generate'))).std > 4, 'the open graph still shows its face');
    },
  },
];
