// Hostile inputs in the built app: a pasted fragment goes through the graph file's validation
// (refused or repaired, never half-inserted, never autosaved broken), and a stored session that
// fails to restore is kept aside in the library, downloadable, instead of being overwritten.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SEL, alertTexts, openEditor, waitForSettled } from '../lib/browser.mjs';

/** Paste `text` as the system clipboard would hand it to the page. */
async function pasteText(page, text) {
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    document.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
}

const nodeCount = (page) => page.locator('[data-node-type]').count();
const fragment = (nodes, connections, extra = {}) =>
  JSON.stringify({ kind: 'delta-studio/fragment', nodes, connections, ...extra });

/** The autosaved sessions in IndexedDB, as stored (a document stored as its JSON text, `docText`, read into `doc`). */
async function storedSessions(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('delta-studio');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const records = await new Promise((resolve) => {
      const req = db.transaction('session').objectStore('session').getAll();
      req.onsuccess = () => resolve(req.result);
    });
    db.close();
    return records.map((r) => (typeof r.docText === 'string' ? { ...r, doc: JSON.parse(r.docText) } : r));
  });
}

async function waitForAlert(page, pattern, timeout = 10_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = await alertTexts(page);
    if (texts.some((t) => pattern.test(t))) return texts;
    if (Date.now() > deadline) throw new Error(`no alert matching ${pattern}; alerts: ${JSON.stringify(texts)}`);
    await page.waitForTimeout(100);
  }
}

export const tests = [
  {
    name: 'hostile paste: wrong types are refused with the path, a self-loop and missing position/assets are repaired, nothing half-applied; the session still restores',
    async run(ctx) {
      const profile = await ctx.newProfile();
      const { page } = profile;
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const start = await nodeCount(page);

      for (const [bad, pattern] of [
        [
          fragment([{ id: 'g', type: 'generate', params: { pack: 42 }, position: [0, 0] }], []),
          /Paste refused: pasted nodes\[0\]\.params\.pack: expected string, got number 42/,
        ],
        [
          fragment([{ id: 's', type: 'scale', params: { alpha: 'lots' }, position: [0, 0] }], []),
          /Paste refused: pasted nodes\[0\]\.params\.alpha: expected number, got string "lots"/,
        ],
      ]) {
        await pasteText(page, bad);
        await waitForAlert(page, pattern);
        assert.equal(await nodeCount(page), start, 'a refused paste must not insert anything');
      }
      // no position, no assets: defaults; a self-loop: removed with a note
      await pasteText(
        page,
        JSON.stringify({
          kind: 'delta-studio/fragment',
          nodes: [{ id: 's', type: 'scale', params: { alpha: 2 } }],
          connections: [],
        }),
      );
      await page.waitForFunction((n) => document.querySelectorAll('[data-node-type]').length === n, start + 1, {
        timeout: 10_000,
      });
      await pasteText(
        page,
        fragment(
          [{ id: 't', type: 'scale', params: { alpha: 1 }, position: [10, 10] }],
          [{ id: 'w', from: { node: 't', socket: 'delta' }, to: { node: 't', socket: 'delta' } }],
        ),
      );
      await page.waitForFunction((n) => document.querySelectorAll('[data-node-type]').length === n, start + 2, {
        timeout: 10_000,
      });
      await page
        .getByText(/Pasted with repairs: pasted connections\[0\]: removed — it closed a cycle/)
        .first()
        .waitFor({ timeout: 5000 });
      assert.deepEqual(
        profile.consoleLines.filter((l) => l.startsWith('[pageerror]')),
        [],
        'no uncaught exception while pasting',
      );

      // the autosaved session holds only valid data: a reload restores it
      const deadline = Date.now() + 15_000;
      while (!(await storedSessions(page)).some((r) => r.doc?.nodes?.length === start + 2)) {
        if (Date.now() > deadline) throw new Error('the pasted nodes were never autosaved');
        await page.waitForTimeout(200);
      }
      await openEditor(page, ctx.url);
      await page.waitForFunction((n) => document.querySelectorAll('[data-node-type]').length === n, start + 2, {
        timeout: 60_000,
      });
      assert.ok(!(await alertTexts(page)).some((t) => /could not be restored/.test(t)), 'the session must restore');
    },
  },
  {
    name: 'a stored session that fails to restore is kept aside in the library (downloadable as stored), not overwritten',
    async run(ctx) {
      const first = await ctx.newProfile({ keep: true });
      await openEditor(first.page, ctx.url);
      await waitForSettled(first.page);
      const broken = {
        format: 'delta-studio/graph',
        version: 1,
        name: 'My work',
        nodes: [{ id: 'a', type: 'scale', params: { alpha: 'lots' }, position: [0, 0] }],
        connections: [],
        packs: [],
        assets: {},
      };
      // what an older bug could leave behind: the only stored session, now invalid
      await first.page.evaluate(async (doc) => {
        const db = await new Promise((resolve) => {
          const req = indexedDB.open('delta-studio');
          req.onsuccess = () => resolve(req.result);
        });
        await new Promise((resolve, reject) => {
          const tx = db.transaction('session', 'readwrite');
          tx.objectStore('session').clear();
          tx.objectStore('session').put({ tabId: 'other-tab', doc, link: null, savedAt: Date.now() }, 'other-tab');
          tx.oncomplete = resolve;
          tx.onerror = () => reject(tx.error);
        });
        db.close();
      }, broken);
      await first.close({ removeDir: false });

      // a browser restart: no tab session of its own, so the newest stored session is restored
      const second = await ctx.newProfile({ dir: first.dir });
      const page = second.page;
      await openEditor(page, ctx.url);
      await waitForAlert(
        page,
        /The last session could not be restored \(nodes\[0\]\.params\.alpha: expected number, got string "lots"\)\. It is kept in the Library as “Unrestored session: My work”/,
      );
      const item = page
        .locator(`${SEL.library} [data-testid="library-item"]`)
        .filter({ hasText: 'Unrestored session: My work' });
      await item.waitFor({ timeout: 10_000 });
      await item.locator('[data-testid="library-open"]').click();
      await waitForAlert(page, /cannot be opened: nodes\[0\]\.params\.alpha/);
      const downloading = page.waitForEvent('download', { timeout: 15_000 });
      await page.locator('[data-testid="library-download-stored"]').click();
      const download = await downloading;
      const stored = JSON.parse(await readFile(await download.path(), 'utf8'));
      assert.deepEqual(stored.nodes, broken.nodes, 'the downloaded file is the stored graph as it was');

      // the set-aside happens once: the session now holds the opened example, and a reload adds no copy
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.waitForTimeout(500);
      assert.equal(
        await page
          .locator(`${SEL.library} [data-testid="library-item"]`)
          .filter({ hasText: 'Unrestored session' })
          .count(),
        1,
      );
      assert.ok(!(await alertTexts(page)).some((t) => /could not be restored/.test(t)));
    },
  },
];
