// The example graph runs by itself, and a slider change re-runs only what is downstream of it.
import assert from 'node:assert/strict';
import {
  SEL,
  openEditor,
  previewStats,
  waitForImageChange,
  waitForSettled,
  nodeStates,
  setSlider,
  sliderValue,
} from '../lib/browser.mjs';

const EXAMPLE_TYPES = ['load-face', 'gan-inversion', 'synthetic-pair', 'encode-delta', 'scale', 'add', 'generate'];
const UPSTREAM_OF_SCALE = ['load-face', 'gan-inversion', 'synthetic-pair', 'encode-delta'];
const DOWNSTREAM_OF_SCALE = ['scale', 'add', 'generate'];

/** A slider value inside [min, max], at least a few steps away from the current one. */
export async function anotherSliderValue(page, nodeType) {
  const { value, min, max, step } = await page
    .locator(`${SEL.node(nodeType)} input[type="range"]`)
    .first()
    .evaluate((el) => ({
      value: Number(el.value),
      min: Number(el.min),
      max: Number(el.max),
      step: Number(el.step) || 0.01,
    }));
  const target = value + (max - min) / 4 <= max ? value + (max - min) / 4 : value - (max - min) / 4;
  return Number((Math.round(target / step) * step).toFixed(6));
}

export const tests = [
  {
    name: 'the example graph runs by itself and shows a non-blank edited face on Generate',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      const stats = await openEditor(page, ctx.url);
      assert.ok(stats.width >= 32 && stats.height >= 32, `preview is ${stats.width}×${stats.height}`);
      assert.ok(stats.std >= 4, `Generate preview looks blank (pixel std ${stats.std.toFixed(2)})`);
      await waitForSettled(page);
      const states = await nodeStates(page);
      for (const type of EXAMPLE_TYPES)
        assert.ok(states[type]?.length, `the example graph has no ${type} node (${JSON.stringify(states)})`);
      const failed = Object.entries(states).filter(([, list]) => list.includes('error'));
      assert.deepEqual(failed, [], `nodes in error: ${JSON.stringify(failed)}`);
      assert.equal((await page.locator(SEL.run).count()) > 0, true, 'no run control (data-testid="run")');
    },
  },
  {
    name: 'a Scale slider change changes the image; upstream nodes are served from cache',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const before = await previewStats(page, SEL.preview('generate'));
      const original = Number(await sliderValue(page, 'scale'));
      const target = await anotherSliderValue(page, 'scale');
      await setSlider(page, 'scale', target);
      assert.equal(Number(await sliderValue(page, 'scale')), target);
      const after = await waitForImageChange(page, SEL.preview('generate'), before.hash);
      assert.ok(after.std >= 4, 'the edited image went blank');
      await waitForSettled(page);
      const states = await nodeStates(page);
      for (const type of UPSTREAM_OF_SCALE) {
        assert.deepEqual(
          states[type],
          ['cached'],
          `${type} should be served from cache after a Scale change, was ${states[type]}`,
        );
      }
      for (const type of DOWNSTREAM_OF_SCALE) {
        assert.deepEqual(
          states[type],
          ['done'],
          `${type} should have re-run after a Scale change, was ${states[type]}`,
        );
      }
      // back to the old value: exactly the old image again (deterministic compute or cache)
      await setSlider(page, 'scale', original);
      const back = await waitForImageChange(page, SEL.preview('generate'), after.hash);
      assert.equal(back.hash, before.hash, 'returning the slider did not give back the same image');
    },
  },
  {
    name: 'GAN Inversion refine steps re-run the inversion (pairs stay cached) and change the edited face',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const before = await previewStats(page, SEL.preview('generate'));
      // the first slider of GAN Inversion is "Refine steps" (0 in the example: encoder only)
      assert.equal(Number(await sliderValue(page, 'gan-inversion')), 0);
      const sliders = page.locator(`${SEL.node('gan-inversion')} input[type="range"]`);
      assert.equal(await sliders.count(), 1, 'the refine rate should be hidden while refine steps is 0');
      await setSlider(page, 'gan-inversion', 20);
      await page.waitForFunction(
        (sel) => document.querySelectorAll(sel).length === 2,
        `${SEL.node('gan-inversion')} input[type="range"]`,
        { timeout: 5_000 },
      );
      const after = await waitForImageChange(page, SEL.preview('generate'), before.hash, { timeout: 60_000 });
      assert.ok(after.std >= 4, 'the refined, edited image went blank');
      await waitForSettled(page);
      const states = await nodeStates(page);
      assert.deepEqual(
        states['gan-inversion'],
        ['done'],
        `GAN Inversion should have re-run, was ${states['gan-inversion']}`,
      );
      for (const type of ['load-face', 'synthetic-pair', 'encode-delta']) {
        assert.deepEqual(
          states[type],
          ['cached'],
          `${type} does not depend on the inversion and should be cached, was ${states[type]}`,
        );
      }
      assert.equal(await page.locator(SEL.alert).count(), 0, 'refining raised an alert');
      const note = await page.locator(`${SEL.node('gan-inversion')} [data-testid="node-note"]`).innerText();
      const [, lossBefore, lossAfter] = note.match(/Refined: mean \|G\(w\) − image\| (\d\.\d+) → (\d\.\d+)/) ?? [];
      assert.ok(
        lossBefore && Number(lossAfter) < Number(lossBefore),
        `the node should report a lower reconstruction error, says "${note}"`,
      );
    },
  },
];
