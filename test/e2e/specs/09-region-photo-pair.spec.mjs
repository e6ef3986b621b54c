// Region Blend and Photo Pair in the editor: the "mouth only" example blends the smile inside
// FaceWorld's mouth region and a new region re-blends; a real portrait gives a Photo Pair whose
// delta moves the face, and its Region Blend takes the region from face-api's landmarks in the
// worker; a picture without a face is named on the node and the graph survives.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encode as encodePng } from 'fast-png';
import {
  SEL,
  importThroughUi,
  openEditor,
  waitForImage,
  waitForImageChange,
  waitForNote,
  waitForSettled,
} from '../lib/browser.mjs';

const EXAMPLE = 'smile-mouth-only.dge.json';
const PORTRAIT = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const node = (id, type, params, position = [0, 0]) => ({ id, type, params, position });
const wire = (from, fromSocket, to, toSocket) => ({
  id: `${from}.${fromSocket}->${to}.${toSocket}`,
  from: { node: from, socket: fromSocket },
  to: { node: to, socket: toSocket },
});

export const tests = [
  {
    name: 'region blend example: the mouth from FaceWorld regions, shown as a mask; another region re-blends',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await page.locator(`${SEL.library} [data-testid="example-open"][data-file="${EXAMPLE}"]`).click();
      await page.waitForFunction(
        () => document.querySelector('[data-testid="graph-name"]')?.value?.startsWith('Region blend'),
        null,
        { timeout: 15_000 },
      );
      await waitForNote(page, 'region-blend', /^mouth from FaceWorld's renderer: \d+ % of the image$/, 90_000);
      await waitForSettled(page, { timeout: 90_000 });
      assert.equal(await page.locator(SEL.node('region-blend')).getAttribute('data-node-state'), 'done');
      // the preview: the mask over the source, then the result (twice as wide as tall, plus a gap)
      const mouth = await waitForImage(page, SEL.preview('region-blend'));
      assert.ok(mouth.width > 1.9 * mouth.height, `a mask | result strip, got ${mouth.width}×${mouth.height}`);
      const compared = await waitForImage(page, SEL.preview('compare'));

      await page
        .locator(`${SEL.node('region-blend')} select`)
        .first()
        .selectOption('eyes');
      await waitForNote(page, 'region-blend', /^eyes from FaceWorld's renderer: \d+ % of the image$/, 90_000);
      await waitForImageChange(page, SEL.preview('region-blend'), mouth.hash, { timeout: 60_000 });
      // only the blend and what follows it ran again: the compare shows the new result
      await waitForImageChange(page, SEL.preview('compare'), compared.hash, { timeout: 60_000 });
    },
  },
  {
    name: 'photo pair from a portrait: its delta moves the face; region blend on the photo uses face-api landmarks; no face is named',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      const example = JSON.parse(readFileSync(new URL(`../../../examples/${EXAMPLE}`, import.meta.url), 'utf8'));
      const pack = example.packs[0].id;
      const grey = encodePng({ width: 64, height: 64, data: new Uint8Array(64 * 64 * 4).fill(128), channels: 4 });
      const doc = {
        ...example,
        name: 'Photo pair + region',
        assets: {
          portrait: { mime: 'image/jpeg', name: 'portrait.jpg', data: readFileSync(PORTRAIT).toString('base64') },
          grey: { mime: 'image/png', name: 'grey.png', data: Buffer.from(grey).toString('base64') },
        },
        nodes: [
          // the same person twice: the whole picture, and the face aligned (the change: "closer")
          node('photo', 'load-face', { pack, source: 'asset:portrait', crop: 'face', face: 0 }),
          node('photo-wide', 'load-face', { pack, source: 'asset:portrait', crop: 'center', face: 0 }, [0, 380]),
          node('invert', 'gan-inversion', { pack, refineSteps: 0, refineRate: 0.05 }, [280, 0]),
          node(
            'pair',
            'photo-pair',
            { pack, attribute: 'closer', from: 0, to: 1, refineSteps: 0, refineRate: 0.05 },
            [280, 380],
          ),
          node('delta', 'encode-delta', { pack, method: 'linear' }, [560, 380]),
          node('add', 'add', { pack, combine: 'sum' }, [560, 0]),
          node('generate', 'generate', { pack }, [840, 0]),
          node('plain', 'generate', { pack }, [840, 380]),
          node('compare', 'compare', { identity: false }, [1120, 380]),
          node('blend', 'region-blend', { region: 'face', grow: 2, feather: 3 }, [1120, 0]),
          node('grey', 'load-face', { pack, source: 'asset:grey', crop: 'center', face: 0 }, [0, 760]),
          node('no-face', 'region-blend', { region: 'mouth', grow: 2, feather: 3 }, [1120, 760]),
        ],
        connections: [
          wire('photo', 'image', 'invert', 'image'),
          wire('photo-wide', 'image', 'pair', 'before'),
          wire('photo', 'image', 'pair', 'after'),
          wire('pair', 'pairs', 'delta', 'pairs'),
          wire('invert', 'latent', 'add', 'latent'),
          wire('delta', 'delta', 'add', 'deltas'),
          wire('add', 'latent', 'generate', 'latent'),
          wire('invert', 'latent', 'plain', 'latent'),
          wire('plain', 'image', 'compare', 'a'),
          wire('generate', 'image', 'compare', 'b'),
          wire('photo', 'image', 'blend', 'source'),
          wire('generate', 'image', 'blend', 'edited'),
          wire('grey', 'image', 'no-face', 'source'),
          wire('generate', 'image', 'no-face', 'edited'),
        ],
      };
      await importThroughUi(page, {
        name: 'photo-pair.dge.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(doc)),
      });
      await page.locator(SEL.node('photo-pair')).waitFor({ timeout: 15_000 });
      // the pair's strip shows both pictures; the delta moves the face away from the plain inversion
      await waitForImage(page, SEL.preview('photo-pair'), { timeout: 90_000 });
      await waitForNote(
        page,
        'region-blend',
        /^whole face from face-api's landmarks: \d+ % of the image · pasted back into the 512×600 photo$/,
        180_000,
      );
      await waitForSettled(page, { timeout: 90_000 });
      for (const type of ['photo-pair', 'encode-delta']) {
        assert.equal(await page.locator(SEL.node(type)).getAttribute('data-node-state'), 'done', `${type} did not run`);
      }
      // PSNR of the plain inversion against the edit: 100 would be the same picture
      const psnr = Number(
        await page.locator(`${SEL.node('compare')} [data-testid="node-value"][data-output="psnr"]`).innerText(),
      );
      assert.ok(Number.isFinite(psnr) && psnr < 60, `the photo pair's delta did not change the face (PSNR ${psnr})`);
      // the picture without a face: named on its node, and the other blend ran
      const blends = page.locator(SEL.node('region-blend'));
      const states = await blends.evaluateAll((els) => els.map((el) => el.getAttribute('data-node-state')).sort());
      assert.deepEqual(states, ['done', 'error']);
      assert.match(
        await blends.locator('[role="alert"]').innerText(),
        /^Region Blend: no face found in the source image \(64×64\)/,
      );
    },
  },
];
