// Graph files: export .dge.json and open it in a fresh profile (uploaded face included), PNG
// export and drop, and bad files that are refused (or repaired) with an alert, changing nothing.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import {
  SEL,
  alertTexts,
  dropFile,
  exportThroughUi,
  importThroughUi,
  openEditor,
  previewStats,
  setSlider,
  sliderValue,
  waitForImage,
  waitForImageChange,
  waitForSettled,
} from '../lib/browser.mjs';
import { anotherSliderValue } from './01-run.spec.mjs';

/** A face-like test image drawn in the page (any picture runs through the pipeline). */
async function makeFacePng(page) {
  const base64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = c.height = 128;
    const g = c.getContext('2d');
    const bg = g.createLinearGradient(0, 0, 128, 128);
    bg.addColorStop(0, '#3a6ea5');
    bg.addColorStop(1, '#c9d6e3');
    g.fillStyle = bg;
    g.fillRect(0, 0, 128, 128);
    g.fillStyle = '#e0b090';
    g.beginPath();
    g.ellipse(64, 68, 34, 44, 0, 0, Math.PI * 2);
    g.fill();
    g.fillStyle = '#2b1a10';
    for (const x of [50, 78]) {
      g.beginPath();
      g.arc(x, 60, 4, 0, Math.PI * 2);
      g.fill();
    }
    g.strokeStyle = '#8a3030';
    g.lineWidth = 3;
    g.beginPath();
    g.arc(64, 82, 12, 0.2 * Math.PI, 0.8 * Math.PI);
    g.stroke();
    return c.toDataURL('image/png').split(',')[1];
  });
  return Buffer.from(base64, 'base64');
}

/** Upload `png` through the Load Face node's file input; waits for the new edited image. */
async function uploadFace(page, png) {
  const before = await previewStats(page, SEL.preview('generate'));
  await page
    .locator(`${SEL.node('load-face')} input[type="file"]`)
    .first()
    .setInputFiles({ name: 'my-face.png', mimeType: 'image/png', buffer: png });
  await waitForImageChange(page, SEL.preview('generate'), before.hash, { timeout: 60_000 });
  await waitForSettled(page);
}

/** A PNG file carrying the graph in its iTXt chunk. */
function assertPngWithGraph(bytes) {
  assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'not a PNG');
  assert.ok(bytes.includes(Buffer.from('iTXtdelta-studio-graph')), 'no iTXt graph chunk in the PNG');
}

/** The open graph as the app exports it (parsed), via the export hook. */
async function exportedDoc(page) {
  const { name, bytes } = await exportThroughUi(page, 'export-json');
  assert.match(name, /\.dge\.json$/, `export file name ${name}`);
  return JSON.parse(bytes.toString('utf8'));
}

/** What a user sees of the open graph: node types with their params, and the wires. */
function shape(doc) {
  return {
    nodes: doc.nodes.map((n) => ({ type: n.type, params: n.params })).sort((a, b) => a.type.localeCompare(b.type)),
    connections: doc.connections.length,
  };
}

async function nodeCount(page) {
  return page.locator('[data-node-type]').count();
}

export const tests = [
  {
    name: 'export .dge.json with an uploaded face, import in a fresh profile: identical graph and image',
    async run(ctx) {
      const a = await ctx.newProfile();
      await openEditor(a.page, ctx.url);
      await waitForSettled(a.page);
      await uploadFace(a.page, await makeFacePng(a.page));
      const target = await anotherSliderValue(a.page, 'scale');
      const before = await previewStats(a.page, SEL.preview('generate'));
      await setSlider(a.page, 'scale', target);
      await waitForImageChange(a.page, SEL.preview('generate'), before.hash);
      await waitForSettled(a.page);
      const imageA = await previewStats(a.page, SEL.preview('generate'));
      const { bytes } = await exportThroughUi(a.page, 'export-json');
      const docA = JSON.parse(bytes.toString('utf8'));
      assert.equal(docA.format, 'delta-studio/graph');
      const assets = Object.values(docA.assets ?? {});
      assert.equal(assets.length, 1, 'the uploaded face is not embedded in the exported file');
      assert.ok(assets[0].data.length > 100, 'the embedded face has no data');

      const b = await ctx.newProfile(); // fresh user-data-dir: nothing shared with profile A
      await openEditor(b.page, ctx.url);
      await waitForSettled(b.page);
      const exampleImage = await previewStats(b.page, SEL.preview('generate'));
      await importThroughUi(b.page, { name: 'shared.dge.json', mimeType: 'application/json', buffer: bytes });
      await b.page.waitForFunction(
        ({ sel, value }) => Number(document.querySelector(sel)?.value) === value,
        { sel: `${SEL.node('scale')} input[type="range"]`, value: target },
        { timeout: 20_000 },
      );
      if (exampleImage.hash !== imageA.hash)
        await waitForImageChange(b.page, SEL.preview('generate'), exampleImage.hash, { timeout: 60_000 });
      await waitForSettled(b.page);
      const imageB = await waitForImage(b.page, SEL.preview('generate'));
      assert.equal(imageB.hash, imageA.hash, 'the imported graph renders a different image');
      const docB = await exportedDoc(b.page);
      assert.deepEqual(docB, docA, 'the graph exported from the fresh profile differs from the original');
    },
  },
  {
    name: "a picture dropped on Load Face becomes its face; Save Image's Download PNG saves the full-size result with the graph",
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const before = await previewStats(page, SEL.preview('generate'));
      const png = await makeFacePng(page);
      await dropFile(page, SEL.node('load-face'), { name: 'dropped-face.png', mimeType: 'image/png', buffer: png });
      await waitForImageChange(page, SEL.preview('generate'), before.hash, { timeout: 60_000 });
      await waitForSettled(page);
      const face = (await exportedDoc(page)).nodes.find((n) => n.type === 'load-face');
      assert.match(String(face.params.source), /^asset:/, "the dropped picture is not Load Face's source");

      const save = page.locator(SEL.node('save-image'));
      const fileName = await save.locator('input[type="text"]').first().inputValue();
      const downloadPromise = page.waitForEvent('download', { timeout: 30_000 });
      await save.locator('[data-testid="save-image-download"]').click();
      const download = await downloadPromise;
      assert.equal(download.suggestedFilename(), fileName);
      const bytes = await readFile(await download.path());
      assertPngWithGraph(bytes);
    },
  },
  {
    name: 'PNG export embeds the graph; dropping the PNG on the editor opens the same graph',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const original = await exportedDoc(page);
      const { name, bytes } = await exportThroughUi(page, 'export-png');
      assert.match(name, /\.png$/);
      assertPngWithGraph(bytes);

      // change the open graph, then drop the PNG: the exported graph comes back
      const before = await previewStats(page, SEL.preview('generate'));
      await setSlider(page, 'scale', await anotherSliderValue(page, 'scale'));
      await waitForImageChange(page, SEL.preview('generate'), before.hash);
      await waitForSettled(page);
      await dropFile(page, '[data-testid="editor-canvas"]', { name, mimeType: 'image/png', buffer: bytes });
      await page.waitForFunction(
        ({ sel, value }) => Number(document.querySelector(sel)?.value) === value,
        {
          sel: `${SEL.node('scale')} input[type="range"]`,
          value: Number(original.nodes.find((n) => n.type === 'scale').params.alpha),
        },
        { timeout: 20_000 },
      );
      await waitForSettled(page);
      const after = await waitForImage(page, SEL.preview('generate'));
      assert.equal(after.hash, before.hash, 'the dropped graph renders a different image than when it was exported');
      assert.deepEqual(shape(await exportedDoc(page)), shape(original));
    },
  },
  {
    name: 'bad files (invalid JSON, wrong types, not a graph, junk PNG) show an alert and change nothing',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const original = await exportedDoc(page);
      const image = await previewStats(page, SEL.preview('generate'));
      const count = await nodeCount(page);
      const slider = await sliderValue(page, 'scale');

      const wrongType = structuredClone(original);
      wrongType.nodes[0].position = 'top-left';
      const cases = [
        {
          file: {
            name: 'broken.dge.json',
            mimeType: 'application/json',
            buffer: Buffer.from('{"format":"delta-studio/graph",'),
          },
          expect: /broken\.dge\.json.*invalid JSON/,
        },
        {
          file: {
            name: 'typed.dge.json',
            mimeType: 'application/json',
            buffer: Buffer.from(JSON.stringify(wrongType)),
          },
          expect: /nodes\[0\]\.position/,
        },
        {
          file: { name: 'other.json', mimeType: 'application/json', buffer: Buffer.from('{"hello":"world"}') },
          expect: /format: expected "delta-studio\/graph"/,
        },
        {
          file: {
            name: 'noise.png',
            mimeType: 'image/png',
            buffer: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]),
          },
          expect: /noise\.png.*PNG is truncated/,
        },
        // over the 20 MB limit: refused before it is parsed
        {
          file: { name: 'huge.dge.json', mimeType: 'application/json', buffer: Buffer.alloc(21 * 1024 * 1024, 0x20) },
          expect: /huge\.dge\.json.*too large/,
        },
      ];
      for (const c of cases) {
        await importThroughUi(page, c.file);
        await page.waitForFunction(
          (source) =>
            [...document.querySelectorAll('[role="alert"]')].some((el) => new RegExp(source).test(el.textContent)),
          c.expect.source,
          { timeout: 10_000 },
        );
        assert.equal(await nodeCount(page), count, `${c.file.name} changed the graph`);
        assert.equal(await sliderValue(page, 'scale'), slider);
      }
      const texts = await alertTexts(page);
      assert.ok(texts.length >= 1, 'no alert visible');
      assert.equal((await previewStats(page, SEL.preview('generate'))).hash, image.hash, 'the image changed');
      assert.deepEqual(await exportedDoc(page), original, 'a refused file changed the open graph');
    },
  },
  {
    name: 'markup in a graph name stays text: nothing is injected into the page',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const doc = await exportedDoc(page);
      const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
      doc.name = hostile;
      doc.nodes[0].label = hostile;
      await importThroughUi(page, {
        name: 'hostile.dge.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(doc)),
      });
      await page.waitForFunction(
        (name) => document.querySelector('[data-testid="graph-name"]')?.value === name,
        hostile,
        { timeout: 20_000 },
      );
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.__pwned ?? null), null, 'markup from the file ran');
      assert.equal(
        await page.locator('img[src="x"], script:not([src]):not([type])').count(),
        0,
        'markup from the file became elements',
      );
      assert.ok((await page.locator('body').innerText()).includes('<img src=x'), 'the node label is not shown as text');
      assert.equal((await exportedDoc(page)).name, hostile, 'the name did not survive a save');
    },
  },
  {
    name: 'a cycle is cut and an unknown node type becomes a placeholder, with messages naming the path',
    async run(ctx) {
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await waitForSettled(page);
      const original = await exportedDoc(page);

      // a second Inversion → Generate pair wired into a loop, plus a node type from the future
      const doc = structuredClone(original);
      doc.nodes.push(
        { id: 'loop-inv', type: 'gan-inversion', params: {}, position: [0, 900] },
        { id: 'loop-gen', type: 'generate', params: {}, position: [300, 900] },
        {
          id: 'future',
          type: 'hair-color-x',
          params: { hue: 0.25, note: 'keep me' },
          position: [600, 900],
          extra: { kept: true },
        },
      );
      doc.connections.push(
        { id: 'loop-a', from: { node: 'loop-inv', socket: 'latent' }, to: { node: 'loop-gen', socket: 'latent' } },
        { id: 'loop-b', from: { node: 'loop-gen', socket: 'image' }, to: { node: 'loop-inv', socket: 'image' } },
      );
      await importThroughUi(page, {
        name: 'loop.dge.json',
        mimeType: 'application/json',
        buffer: Buffer.from(JSON.stringify(doc)),
      });
      // the repair is reported, naming the connection and the node
      await page.waitForFunction(
        () => {
          const text = [...document.querySelectorAll('[role="alert"], [role="status"]')]
            .map((el) => el.textContent)
            .join('\n');
          return /connections\[\d+\].*cycle/.test(text) || /nodes\[\d+\]\.type/.test(text);
        },
        null,
        { timeout: 20_000 },
      );
      await page
        .locator(`${SEL.node('hair-color-x')}`)
        .first()
        .waitFor({ timeout: 20_000 });
      const reexported = await exportedDoc(page);
      const future = reexported.nodes.find((n) => n.id === 'future');
      assert.deepEqual(
        future,
        doc.nodes.find((n) => n.id === 'future'),
        'the placeholder did not keep its data',
      );
      const loopWires = reexported.connections.filter((c) => c.id.startsWith('loop-'));
      assert.equal(loopWires.length, 1, 'exactly one wire of the cycle should have been removed');
    },
  },
  {
    name: 'a share link carries the graph: it opens identically in a fresh profile',
    async run(ctx) {
      const a = await ctx.newProfile();
      await a.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(ctx.url).origin });
      await openEditor(a.page, ctx.url);
      await waitForSettled(a.page);
      const target = await anotherSliderValue(a.page, 'scale');
      const before = await previewStats(a.page, SEL.preview('generate'));
      await setSlider(a.page, 'scale', target);
      await waitForImageChange(a.page, SEL.preview('generate'), before.hash);
      await waitForSettled(a.page);
      const imageA = await previewStats(a.page, SEL.preview('generate'));
      const docA = await exportedDoc(a.page);

      await a.page.locator('[data-testid="share"]').click();
      // the link goes to the clipboard, or is shown when the clipboard is not available
      let link = '';
      for (let i = 0; i < 50 && !link.includes('#graph='); i++) {
        link = await a.page.evaluate(() => navigator.clipboard.readText().catch(() => ''));
        if (!link.includes('#graph=')) {
          const shown = (await a.page.locator('[role="status"]').allInnerTexts())
            .join(' ')
            .match(/https?:\/\/\S+#graph=\S+/);
          link = shown?.[0] ?? '';
        }
        if (!link.includes('#graph=')) await a.page.waitForTimeout(100);
      }
      assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/#graph=[A-Za-z0-9_-]+$/, `no share link produced (${link})`);

      const b = await ctx.newProfile();
      await b.page.goto(link, { waitUntil: 'load' });
      await b.page.waitForFunction(
        ({ sel, value }) => Number(document.querySelector(sel)?.value) === value,
        { sel: `${SEL.node('scale')} input[type="range"]`, value: target },
        { timeout: 60_000 },
      );
      await waitForSettled(b.page);
      const imageB = await waitForImage(b.page, SEL.preview('generate'));
      assert.equal(imageB.hash, imageA.hash, 'the linked graph renders a different image');
      assert.equal(
        new URL(b.page.url()).hash,
        '',
        'the graph fragment should be dropped from the address after opening',
      );
      assert.deepEqual(shape(await exportedDoc(b.page)), shape(docA));
    },
  },
];
