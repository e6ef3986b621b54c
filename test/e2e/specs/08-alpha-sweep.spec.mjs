// The α sweep GIF: Scale's "α sweep GIF" downloads an animated GIF made in the engine worker; the
// page's own GIF decoder (WebCodecs ImageDecoder) reads it back: frame count, size, and frames that
// differ (the edit grows from α 0 to Scale's α and comes back).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { SEL, openEditor, waitForSettled } from '../lib/browser.mjs';

export const tests = [
  {
    name: 'α sweep: Scale exports an animated GIF whose frames grow the edit and come back',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url); // "Edit: head turn", Scale α = 1
      await waitForSettled(page, { timeout: 90_000 });
      const downloading = page.waitForEvent('download', { timeout: 120_000 });
      await page.locator(`${SEL.node('scale')} [data-testid="sweep-gif"]`).click();
      const download = await downloading;
      assert.match(download.suggestedFilename(), /\.gif$/);
      const bytes = await readFile(await download.path());
      assert.equal(bytes.subarray(0, 6).toString('latin1'), 'GIF89a');
      const read = await page.evaluate(async (base64) => {
        const data = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const decoder = new ImageDecoder({ data, type: 'image/gif' });
        await decoder.tracks.ready;
        await decoder.completed;
        const count = decoder.tracks.selectedTrack.frameCount;
        const hashes = [];
        let size = null;
        for (let i = 0; i < count; i++) {
          const { image } = await decoder.decode({ frameIndex: i });
          const canvas = new OffscreenCanvas(image.displayWidth, image.displayHeight);
          const g = canvas.getContext('2d');
          g.drawImage(image, 0, 0);
          size = [image.displayWidth, image.displayHeight];
          image.close();
          const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
          let h = 2166136261;
          for (let k = 0; k < px.length; k++) h = Math.imul(h ^ px[k], 16777619) >>> 0;
          hashes.push(h.toString(16));
        }
        return { count, size, hashes };
      }, bytes.toString('base64'));
      // 12 steps from α 0 to 1, then back without repeating the ends
      assert.equal(read.count, 22);
      assert.deepEqual(read.size, [256, 256]);
      assert.notEqual(read.hashes[0], read.hashes[11], 'α 0 and α 1 frames differ');
      assert.ok(
        new Set(read.hashes).size >= 6,
        `the frames change along the sweep (${new Set(read.hashes).size} distinct)`,
      );
      assert.equal(read.hashes[1], read.hashes[21], 'the way back shows the same frames');
      // the editor's own graph is untouched: the GIF ran on the worker's sweep executor
      assert.equal(
        await page
          .locator(SEL.node('scale'))
          .getAttribute('data-node-state')
          .then((s) => s !== 'error'),
        true,
      );
    },
  },
];
