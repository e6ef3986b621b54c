// The browser batch: 20 files dropped on the batch panel (19 faces and a broken file) run the open
// graph once each; a reload half-way resumes by itself and finishes without computing any
// finished item again (checked in IndexedDB); the bad file is listed with its error; the results
// download as a zip of PNGs with the graph inside, plus results.csv.
import assert from 'node:assert/strict';
import { unzipSync, strFromU8 } from 'fflate';
import { dropBatchFaces, openEditor, waitForSettled } from '../lib/browser.mjs';

const PROGRESS = '[data-testid="batch-progress"]';

const progress = async (page) => {
  const [done, total] = (await page.locator(PROGRESS).innerText()).split('/').map(Number);
  return { done, total };
};

/** The stored batch (database "delta-studio-batch"): its counters and each finished item's finish time. */
function storedBatch(page) {
  return page.evaluate(async () => {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open('delta-studio-batch');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = (store) =>
      new Promise((resolve) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => resolve(req.result);
      });
    const [batches, items] = await Promise.all([all('batches'), all('items')]);
    db.close();
    return {
      computed: batches[0]?.computed,
      state: batches[0]?.state,
      items: items.map((i) => ({ index: i.index, finishedAt: i.finishedAt, status: i.status })),
    };
  });
}

export const tests = [
  {
    name: 'batch: 20 dropped files, a reload half-way resumes and finishes without recomputing; errors listed; zip and CSV',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.locator('[data-testid="batch"]').click();
      await page.locator('[data-testid="batch-panel"]').waitFor();
      // the panel's file input takes several files (a hook: docs/architecture.md#end-to-end-hooks)
      assert.equal(await page.locator('[data-testid="batch-files"]').getAttribute('multiple'), '');
      await dropBatchFaces(page);
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent.endsWith('/20'), PROGRESS, {
        timeout: 30_000,
      });

      // reload half-way (the batch is running: between 5 and 19 items done)
      await page.waitForFunction(
        (sel) => Number(document.querySelector(sel)?.textContent.split('/')[0]) >= 5,
        PROGRESS,
        { timeout: 90_000, polling: 20 },
      );
      const before = await storedBatch(page);
      await page.reload({ waitUntil: 'load' });
      assert.ok(
        before.items.length >= 5 && before.items.length < 20,
        `expected the reload half-way, ${before.items.length} of 20 were done`,
      );

      // the panel comes back by itself, with the finished items counted, and goes on
      await page.locator(PROGRESS).waitFor({ timeout: 60_000 });
      const resumedAt = await progress(page);
      assert.equal(resumedAt.total, 20);
      assert.ok(
        resumedAt.done >= before.items.length,
        `after the reload ${resumedAt.done} done, before it ${before.items.length}`,
      );
      await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === '20/20', PROGRESS, {
        timeout: 120_000,
        polling: 100,
      });
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-state') === 'done',
        PROGRESS,
        { timeout: 10_000 },
      );

      const after = await storedBatch(page);
      assert.equal(after.items.length, 20);
      assert.equal(after.state, 'done');
      // nothing computed twice: 20 computations in all, and every item finished before the reload kept its record
      assert.equal(after.computed, 20, `the batch computed ${after.computed} items for 20 files`);
      for (const b of before.items) {
        assert.equal(
          after.items.find((a) => a.index === b.index)?.finishedAt,
          b.finishedAt,
          `item ${b.index} was computed again after the reload`,
        );
      }
      // the broken file is listed with its error; the 19 faces are done
      const errors = await page.locator('[data-testid="batch-errors"]').innerText();
      assert.match(errors, /face-19-broken\.png/);
      assert.equal(after.items.filter((i) => i.status === 'done').length, 19);

      // results: a zip of 19 PNGs (each with its graph inside) and results.csv
      const downloadPromise = page.waitForEvent('download', { timeout: 30_000 });
      await page.locator('[data-testid="batch-zip"]').click();
      const download = await downloadPromise;
      const { readFile } = await import('node:fs/promises');
      const zip = unzipSync(new Uint8Array(await readFile(await download.path())));
      const pngs = Object.keys(zip).filter((f) => f.endsWith('.png'));
      assert.equal(pngs.length, 19);
      const png = zip[pngs[0]];
      assert.ok(Buffer.from(png).includes(Buffer.from('delta-studio-graph')), 'a result PNG should carry its graph');
      const csv = strFromU8(zip['results.csv']).trim().split('\n');
      assert.equal(csv.length, 21);
      assert.match(csv[0], /^file,status,error,/);
      assert.ok(csv.some((l) => l.startsWith('face-19-broken.png,error,')));
    },
  },
];
