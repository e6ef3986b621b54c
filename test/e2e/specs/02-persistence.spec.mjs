// Autosave and the library: a reload or a browser restart brings back exactly what was open;
// saved graphs are listed and reopen; two tabs never silently overwrite each other.
import assert from 'node:assert/strict';
import {
  SEL,
  openEditor,
  previewStats,
  setSlider,
  sliderValue,
  waitForImage,
  waitForImageChange,
  waitForPersistedParam,
  waitForSettled,
} from '../lib/browser.mjs';
import { anotherSliderValue } from './01-run.spec.mjs';

const SCALE_PARAM = 'alpha';

/** Change the Scale slider, wait for the new image and for the autosave to store it. */
async function editAndPersist(page) {
  await waitForSettled(page);
  const before = await previewStats(page, SEL.preview('generate'));
  const target = await anotherSliderValue(page, 'scale');
  await setSlider(page, 'scale', target);
  const after = await waitForImageChange(page, SEL.preview('generate'), before.hash);
  await waitForSettled(page);
  await waitForPersistedParam(page, 'scale', SCALE_PARAM, target);
  return { target, image: (await previewStats(page, SEL.preview('generate'))) ?? after };
}

const library = (page) => page.locator(SEL.library);
const libraryItems = (page) => page.locator(`${SEL.library} [data-testid="library-item"]`);

const graphName = (page) => page.inputValue('[data-testid="graph-name"]');
async function waitForGraphName(page, name) {
  await page.waitForFunction((n) => document.querySelector('[data-testid="graph-name"]')?.value === n, name, {
    timeout: 15_000,
  });
}
async function waitForNodeCount(page, type, n) {
  await page
    .waitForFunction(
      ({ sel, n }) => document.querySelectorAll(sel).length === n,
      { sel: SEL.node(type), n },
      { timeout: 10_000 },
    )
    .catch(() => undefined); // the assertion after it names the count
}
const exampleButton = (page, file) => page.locator(`${SEL.library} [data-testid="example-open"][data-file="${file}"]`);

export const tests = [
  {
    name: 'examples: a head turn opens first; another example opens as a new graph and undo brings the old one back',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      assert.equal(await graphName(page), 'Edit: head turn', 'a first visit should open the head-turn example');
      const edited = await editAndPersist(page); // the open graph is now changed and was never saved

      await exampleButton(page, 'combine-smile-yaw.dge.json').click();
      await waitForGraphName(page, 'Combine: smile + head turn');
      await waitForNodeCount(page, 'scale', 2); // an opened graph's nodes mount a task after its name shows
      assert.equal(await page.locator(SEL.node('scale')).count(), 2);
      assert.match(await page.locator('[data-testid="library-notice"]').innerText(), /new graph.*Ctrl\+Z/);
      await waitForSettled(page);
      await waitForImage(page, SEL.preview('generate'));

      await page.keyboard.press('Control+z');
      await waitForGraphName(page, 'Edit: head turn');
      await waitForNodeCount(page, 'scale', 1);
      assert.equal(await page.locator(SEL.node('scale')).count(), 1);
      assert.equal(Number(await sliderValue(page, 'scale')), edited.target, 'undo must bring back the edited graph');
      await waitForSettled(page);
      const back = await waitForImage(page, SEL.preview('generate'));
      assert.equal(back.hash, edited.image.hash, 'the graph that came back does not give its image back');

      // a library graph with unsaved changes: opening an example asks first, and Cancel keeps it
      await library(page).locator('[data-testid="library-save"]').click();
      await libraryItems(page).first().waitFor({ timeout: 10_000 });
      const changedTo = await anotherSliderValue(page, 'scale');
      await setSlider(page, 'scale', changedTo);
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-dirty') === 'true',
        `${SEL.library} [data-testid="library-save"]`,
        {
          timeout: 10_000,
        },
      );
      await exampleButton(page, 'random-face.dge.json').click();
      await page.locator('[data-testid="library-unsaved"]').waitFor({ timeout: 5000 });
      await page.locator('[data-testid="library-unsaved-cancel"]').click();
      assert.equal(await graphName(page), 'Edit: head turn');
      assert.equal(Number(await sliderValue(page, 'scale')), changedTo, 'cancel must keep the open graph');
      await exampleButton(page, 'random-face.dge.json').click();
      await page.locator('[data-testid="library-unsaved-discard"]').click();
      await waitForGraphName(page, 'Random face');
      await waitForSettled(page);
      await waitForImage(page, SEL.preview('generate'));
    },
  },
  {
    name: 'autosave: reloading the page restores the open graph and its image',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      const edited = await editAndPersist(page);
      await page.reload({ waitUntil: 'load' });
      const restored = await waitForImage(page, SEL.preview('generate'), { timeout: 90_000 });
      await waitForSettled(page);
      assert.equal(Number(await sliderValue(page, 'scale')), edited.target, 'the Scale value was not restored');
      const now = await previewStats(page, SEL.preview('generate'));
      assert.equal(now.hash, edited.image.hash, `restored image differs (${JSON.stringify(restored)})`);
    },
  },
  {
    name: 'library: save, restart the browser, the session and the saved graph come back',
    async run(ctx) {
      const first = await ctx.newProfile();
      await openEditor(first.page, ctx.url);
      const edited = await editAndPersist(first.page);
      await library(first.page).locator('[data-testid="library-save"]').click();
      await libraryItems(first.page).first().waitFor({ timeout: 10_000 });
      assert.equal(await libraryItems(first.page).count(), 1);
      const savedName = await libraryItems(first.page).first().getAttribute('data-name');
      await first.context.close(); // quit the browser, keep the profile

      const second = await ctx.newProfile({ dir: first.dir });
      await openEditor(second.page, ctx.url);
      await waitForSettled(second.page);
      assert.equal(
        Number(await sliderValue(second.page, 'scale')),
        edited.target,
        'session not restored after restart',
      );
      await libraryItems(second.page).first().waitFor({ timeout: 10_000 });
      assert.equal(await libraryItems(second.page).count(), 1);
      const item = libraryItems(second.page).first();
      assert.equal(await item.getAttribute('data-name'), savedName);
      const thumb = await item.locator('img').getAttribute('src');
      assert.match(thumb ?? '', /^data:image\/png;base64,/, 'saved graph has no PNG thumbnail');
      assert.match(await item.locator('time').innerText(), /\d/, 'saved graph shows no date');

      // move away from the saved state, then open the saved graph from the library
      const before = await previewStats(second.page, SEL.preview('generate'));
      await setSlider(second.page, 'scale', await anotherSliderValue(second.page, 'scale'));
      await waitForImageChange(second.page, SEL.preview('generate'), before.hash);
      await item.locator('[data-testid="library-open"]').click();
      await second.page.waitForFunction(
        ({ sel, value }) => Number(document.querySelector(sel)?.value) === value,
        { sel: `${SEL.node('scale')} input[type="range"]`, value: edited.target },
        { timeout: 15_000 },
      );
      await waitForSettled(second.page);
      const reopened = await waitForImage(second.page, SEL.preview('generate'));
      assert.equal(reopened.hash, edited.image.hash, 'opening the saved graph did not give its image back');

      // with unsaved changes, opening another library graph asks first
      await libraryItems(second.page).first().locator('[data-testid="library-duplicate"]').click();
      await second.page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 2,
        `${SEL.library} [data-testid="library-item"]`,
      );
      const changedTo = await anotherSliderValue(second.page, 'scale');
      await setSlider(second.page, 'scale', changedTo);
      await second.page.waitForFunction(
        (sel) => document.querySelector(sel)?.getAttribute('data-dirty') === 'true',
        `${SEL.library} [data-testid="library-save"]`,
        {
          timeout: 10_000,
        },
      );
      const copyItem = second.page.locator(`${SEL.library} [data-testid="library-item"][data-name$="(copy)"]`);
      await copyItem.locator('[data-testid="library-open"]').click();
      await second.page.locator('[data-testid="library-unsaved"]').waitFor({ timeout: 5000 });
      await second.page.locator('[data-testid="library-unsaved-cancel"]').click();
      assert.equal(Number(await sliderValue(second.page, 'scale')), changedTo, 'cancel must keep the open graph');
      await copyItem.locator('[data-testid="library-delete"]').click();
      await copyItem.locator('[data-testid="library-delete-confirm"]').click();
      await second.page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 1,
        `${SEL.library} [data-testid="library-item"]`,
      );

      // rename, duplicate and delete through the panel
      await item.locator('[data-testid="library-rename"]').click();
      const input = library(second.page).locator('[data-testid="library-rename-input"]');
      await input.fill('Renamed by e2e');
      await input.press('Enter');
      await second.page
        .locator(`${SEL.library} [data-testid="library-item"][data-name="Renamed by e2e"]`)
        .waitFor({ timeout: 10_000 });
      await libraryItems(second.page).first().locator('[data-testid="library-duplicate"]').click();
      await second.page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 2,
        `${SEL.library} [data-testid="library-item"]`,
      );
      const copy = second.page.locator(
        `${SEL.library} [data-testid="library-item"][data-name="Renamed by e2e (copy)"]`,
      );
      await copy.locator('[data-testid="library-delete"]').click();
      await copy.locator('[data-testid="library-delete-confirm"]').click();
      await second.page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 1,
        `${SEL.library} [data-testid="library-item"]`,
      );
    },
  },
  {
    name: 'two tabs saving the same library graph keep both versions and say so',
    async run(ctx) {
      const { context, page: tabA } = await ctx.newProfile();
      await openEditor(tabA, ctx.url);
      await waitForSettled(tabA);
      await library(tabA).locator('[data-testid="library-save"]').click();
      await libraryItems(tabA).first().waitFor({ timeout: 10_000 });

      const tabB = await context.newPage();
      await openEditor(tabB, ctx.url);
      await libraryItems(tabB).first().waitFor({ timeout: 10_000 });
      await libraryItems(tabB).first().locator('[data-testid="library-open"]').click();
      await waitForSettled(tabB);

      // both tabs now edit revision 1 of the same entry; B saves first
      await editAndPersist(tabB);
      await library(tabB).locator('[data-testid="library-save"]').click();
      await tabB.locator(`${SEL.library} [data-testid="library-notice"]`).waitFor({ timeout: 10_000 });

      await editAndPersist(tabA);
      await library(tabA).locator('[data-testid="library-save"]').click();
      const notice = tabA.locator(`${SEL.library} [data-testid="library-notice"]`);
      await tabA.waitForFunction(
        (sel) => /another tab/.test(document.querySelector(sel)?.textContent ?? ''),
        `${SEL.library} [data-testid="library-notice"]`,
        { timeout: 10_000 },
      );
      assert.match(await notice.innerText(), /saved as a copy/);
      await tabA.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 2,
        `${SEL.library} [data-testid="library-item"]`,
      );
      // tab B hears about it and lists the copy too
      await tabB.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 2,
        `${SEL.library} [data-testid="library-item"]`,
        {
          timeout: 10_000,
        },
      );
    },
  },
  {
    name: 'a full storage is reported with a clear alert and the open graph stays as it is',
    async run(ctx) {
      const { context, page } = await ctx.newProfile();
      // a full disk, switched on by the test: every IndexedDB write fails like Chrome's does
      await context.addInitScript(() => {
        const put = IDBObjectStore.prototype.put;
        const add = IDBObjectStore.prototype.add;
        const failing = (original) =>
          function (...args) {
            if (window.__storageFull) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
            return original.apply(this, args);
          };
        IDBObjectStore.prototype.put = failing(put);
        IDBObjectStore.prototype.add = failing(add);
      });
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      await page.evaluate(() => (window.__storageFull = true));
      const before = await previewStats(page, SEL.preview('generate'));
      const target = await anotherSliderValue(page, 'scale');
      await setSlider(page, 'scale', target);
      await waitForImageChange(page, SEL.preview('generate'), before.hash);
      // the autosave fails and says why
      await page.waitForFunction(
        () => [...document.querySelectorAll('[role="alert"]')].some((el) => /storage is full/i.test(el.textContent)),
        null,
        { timeout: 15_000 },
      );
      // an explicit library save fails the same way, and nothing is listed
      await library(page).locator('[data-testid="library-save"]').click();
      const error = library(page).locator('[data-testid="library-error"]');
      await error.waitFor({ timeout: 10_000 });
      assert.match(await error.innerText(), /storage is full \(QuotaExceededError\).*not saved/i);
      assert.equal(await libraryItems(page).count(), 0);
      // the edit is still there, in the editor
      assert.equal(Number(await sliderValue(page, 'scale')), target);
      await waitForSettled(page);
      assert.ok((await previewStats(page, SEL.preview('generate'))).std >= 4);
    },
  },
];
