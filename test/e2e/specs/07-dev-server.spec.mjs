// `npm start` (the Vite dev server), not the built app: the first "Detect & align face" must not
// make the dev server re-optimise its dependencies and reload every open tab.
import assert from 'node:assert/strict';
import { SEL, waitForSettled } from '../lib/browser.mjs';
import { startDevServer } from '../lib/server.mjs';

const PHOTO = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';

export const tests = [
  {
    name: 'the first Detect & align face in the dev server does not reload the page',
    async run(ctx) {
      const server = await startDevServer();
      ctx.onCleanup(() => server.stop());
      const { page } = await ctx.newProfile();
      let loads = 0;
      page.on('load', () => loads++);
      await page.goto(server.url);
      await page.locator(SEL.preview('generate')).waitFor({ timeout: 120_000 });
      await waitForSettled(page, { timeout: 120_000 });
      const face = SEL.node('load-face');
      await page.locator(`${face} select`).nth(2).selectOption('face');
      await page.locator(`${face} input[type="file"]`).setInputFiles(PHOTO);
      await page
        .locator(`${face} [data-testid="node-note"]`)
        .filter({ hasText: /face found/ })
        .waitFor({ timeout: 120_000 });
      await waitForSettled(page, { timeout: 120_000 });
      assert.equal(
        loads,
        1,
        `the page loaded ${loads} times; the dev server said:\n${server
          .output()
          .split('\n')
          .filter((l) => /optimi|reload/.test(l))
          .join('\n')}`,
      );
      assert.doesNotMatch(server.output(), /reloading/);
    },
  },
];
