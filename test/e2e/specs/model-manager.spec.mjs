// The model manager: a graph that needs a pack this browser lacks says so and stays intact; the
// pack added from local files (a renamed copy of the fixture pack made at test time) runs it,
// survives a reload and can be deleted; a tampered pack is refused naming the file; a zip dropped
// on the editor is added; the execution provider falls back to WASM without a GPU and says so.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { chromium } from 'playwright-core';
import { ROOT } from '../lib/server.mjs';
import {
  CHROMIUM_PATH,
  SEL,
  dropFile,
  exportThroughUi,
  importThroughUi,
  openEditor,
  waitForImage,
  waitForPersistedParam,
  waitForSettled,
} from '../lib/browser.mjs';

const FIXTURE = join(ROOT, 'models', 'fixture');

/** A copy of models/fixture under `id` in a temp folder (optionally with one model file's bytes flipped); returns its file paths. */
async function packCopy(ctx, id, { tamper } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'delta-pack-'));
  ctx.onCleanup(() => rm(dir, { recursive: true, force: true }));
  const folder = join(dir, id);
  await mkdir(folder);
  const paths = [];
  for (const name of await readdir(FIXTURE)) {
    if (!name.endsWith('.onnx') && name !== 'manifest.json') continue;
    let bytes = await readFile(join(FIXTURE, name));
    if (name === 'manifest.json')
      bytes = Buffer.from(JSON.stringify({ ...JSON.parse(bytes.toString('utf8')), id, name: `Copy ${id}` }, null, 2));
    if (name === tamper) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length - 20] ^= 0xff;
    }
    await writeFile(join(folder, name), bytes);
    paths.push(join(folder, name));
  }
  return { dir, folder, paths };
}

/** A graph (random face → generate) on pack `id`, naming it in `packs`, written as a .dge.json file. */
async function graphNeeding(dir, id, manifestPath, url = '') {
  const sha256 = createHash('sha256')
    .update(await readFile(manifestPath))
    .digest('hex');
  const doc = {
    format: 'delta-studio/graph',
    version: 1,
    name: `Needs ${id}`,
    nodes: [
      { id: 'random', type: 'random-face', params: { pack: id, seed: 7, truncation: 0.7 }, position: [0, 0] },
      { id: 'generate', type: 'generate', params: { pack: id }, position: [300, 0] },
    ],
    connections: [{ id: 'c1', from: { node: 'random', socket: 'latent' }, to: { node: 'generate', socket: 'latent' } }],
    packs: [{ id, sha256, url }],
    assets: {},
  };
  const file = join(dir, 'needs-pack.dge.json');
  await writeFile(file, JSON.stringify(doc, null, 2));
  return file;
}

const stateOf = (page, type) => page.locator(SEL.node(type)).first().getAttribute('data-node-state');

/** Wait until the node of `type` is in one of the states `want` (a state or a list). */
async function waitForState(page, type, want, timeout = 30_000) {
  const states = [want].flat();
  await page.waitForFunction(
    ({ sel, want }) => want.includes(document.querySelector(sel)?.getAttribute('data-node-state')),
    { sel: SEL.node(type), want: states },
    { timeout, polling: 100 },
  );
}

async function openManager(page) {
  if (
    !(await page
      .locator('[data-testid="model-manager"]')
      .isVisible()
      .catch(() => false))
  )
    await page.locator('[data-testid="models"]').click();
  await page.locator('[data-testid="model-manager"]').waitFor({ timeout: 10_000 });
}

/**
 * Another origin serving `dir` (CORS, as a pack host must for a cross-origin-isolated app), the
 * generator in slow chunks so the progress bar can be seen moving. Returns its base URL.
 */
async function packHost(ctx, dir) {
  const server = createServer(async (req, res) => {
    let bytes;
    try {
      bytes = await readFile(join(dir, decodeURIComponent(new URL(req.url, 'http://x').pathname)));
    } catch {
      res.writeHead(404, { 'Access-Control-Allow-Origin': '*' });
      return res.end();
    }
    res.writeHead(200, {
      'Content-Length': String(bytes.length),
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
    });
    if (!req.url.endsWith('generator.onnx')) return res.end(bytes);
    const step = Math.ceil(bytes.length / 10);
    for (let at = 0; at < bytes.length; at += step) {
      res.write(bytes.subarray(at, at + step));
      await new Promise((r) => setTimeout(r, 150));
    }
    res.end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  ctx.onCleanup(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${server.address().port}`;
}

const row = (page, id) => page.locator(`[data-testid="pack-row"][data-pack-id="${id}"]`);

export const tests = [
  {
    name: 'a graph needing a missing pack: notice, graph intact; load its files → runs; kept over reload; delete',
    async run(ctx) {
      const id = 'e2e-copy';
      const { dir, folder, paths } = await packCopy(ctx, id);
      const { page } = await ctx.newProfile();
      page.on('dialog', (d) => void d.accept());
      await openEditor(page, ctx.url);
      await importThroughUi(page, await graphNeeding(dir, id, join(folder, 'manifest.json')));

      const notice = page.locator('[data-testid="missing-packs"]');
      await notice.waitFor({ timeout: 15_000 });
      assert.equal(await notice.getAttribute('role'), 'alert');
      assert.match(await notice.textContent(), /e2e-copy/);
      assert.equal(await page.locator('[data-node-type]').count(), 2, 'the graph lost nodes');
      await waitForState(page, 'generate', 'error');
      const message = await page.locator(SEL.node('random-face')).first().textContent();
      assert.match(message, /e2e-copy/, `random-face does not name the missing pack: ${message}`);

      // the notice's "Load files…" adds the pack; the graph then runs as it is
      await page.locator('[data-testid="missing-files"]').setInputFiles(paths);
      await notice.waitFor({ state: 'detached', timeout: 30_000 });
      await waitForImage(page, SEL.preview('generate'), { timeout: 30_000 });
      await waitForSettled(page);
      assert.equal(await stateOf(page, 'generate'), 'done');

      // the node's pack picker offers it; switching both nodes to the bundled pack and back runs
      const picker = (type) => page.locator(`${SEL.node(type)} select`).first();
      const options = await picker('generate')
        .locator('option')
        .evaluateAll((os) => os.map((o) => o.value));
      assert.ok(options.includes(id) && options.includes('fixture'), `pack picker options: ${options}`);
      for (const pack of ['fixture', id]) {
        await picker('random-face').selectOption(pack);
        await picker('generate').selectOption(pack);
        await waitForSettled(page);
        // switching back to a pack already run is served from the cache
        await waitForState(page, 'generate', ['done', 'cached']);
      }

      await openManager(page);
      await row(page, id).waitFor({ timeout: 10_000 });
      assert.equal(await row(page, id).getAttribute('data-bundled'), 'false');
      assert.equal(await row(page, 'fixture').getAttribute('data-bundled'), 'true');
      assert.equal(
        await row(page, 'fixture').locator('[data-testid="pack-delete"]').count(),
        0,
        'a bundled pack offers Delete',
      );
      assert.match(await row(page, id).locator('[data-testid="pack-size"]').textContent(), /KB/);
      assert.match(await page.locator('[data-testid="pack-storage"]').textContent(), /1 pack/);
      // headless Chromium runs with --disable-gpu: auto falls back to WASM and says why
      assert.equal(await page.locator('[data-testid="ep-active"]').getAttribute('data-ep'), 'wasm');
      assert.match(await page.locator('[data-testid="ep-note"]').textContent(), /WASM/);

      // the autosave holds the graph before the reload, so the reload reopens it on the stored pack
      await waitForPersistedParam(page, 'random-face', 'seed', 7);
      await page.reload({ waitUntil: 'load' });
      await page.locator(SEL.node('random-face')).first().waitFor({ timeout: 60_000 });
      assert.equal(await page.locator('[data-testid="graph-name"]').inputValue(), 'Needs e2e-copy');
      await waitForImage(page, SEL.preview('generate'), { timeout: 60_000 });
      await waitForSettled(page);
      assert.ok(
        ['done', 'cached'].includes(await stateOf(page, 'generate')),
        'the stored pack did not run after a reload',
      );
      assert.equal(await page.locator('[data-testid="missing-packs"]').count(), 0);
      await openManager(page);
      await row(page, id).waitFor({ timeout: 10_000 });

      await row(page, id).locator('[data-testid="pack-delete"]').click();
      await row(page, id).waitFor({ state: 'detached', timeout: 10_000 });
      await notice.waitFor({ timeout: 15_000 });
      assert.match(await notice.textContent(), /e2e-copy/);
      assert.equal(await page.locator('[data-node-type]').count(), 2);
    },
  },
  {
    name: 'a tampered pack is refused naming the file; a zip dropped on the editor is added; WASM chosen explicitly',
    async run(ctx) {
      const bad = await packCopy(ctx, 'e2e-bad', { tamper: 'generator.onnx' });
      const good = await packCopy(ctx, 'e2e-zip');
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await openManager(page);

      await page.locator('[data-testid="pack-files"]').setInputFiles(bad.paths);
      const error = page.locator('[data-testid="pack-error"]');
      await error.waitFor({ timeout: 30_000 });
      assert.equal(await error.getAttribute('role'), 'alert');
      assert.match(
        await error.textContent(),
        /generator\.onnx: sha256 mismatch \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)/,
      );
      assert.equal(await row(page, 'e2e-bad').count(), 0);

      const entries = {};
      for (const p of good.paths) entries[`e2e-zip/${p.split('/').pop()}`] = new Uint8Array(await readFile(p));
      await dropFile(page, '[data-testid="editor-canvas"]', {
        name: 'e2e-zip.zip',
        mimeType: 'application/zip',
        buffer: Buffer.from(zipSync(entries)),
      });
      await row(page, 'e2e-zip').waitFor({ timeout: 30_000 });
      assert.match(await row(page, 'e2e-zip').textContent(), /zip: e2e-zip\.zip/);
      assert.equal(
        (await page.locator('[data-node-type]').count()) > 0,
        true,
        'the open graph was replaced by the drop',
      );

      await page.locator('[data-testid="ep-select"]').selectOption('wasm');
      await page.waitForFunction(
        () => /chosen in settings/.test(document.querySelector('[data-testid="ep-note"]')?.textContent ?? ''),
        null,
        { timeout: 10_000 },
      );
      assert.equal(await page.evaluate(() => localStorage.getItem('delta-studio.executionProvider')), 'wasm');
      await waitForSettled(page);
      await waitForImage(page, SEL.preview('generate'), { timeout: 30_000 });
    },
  },
  {
    name: 'a graph naming its pack URL: Fetch downloads it with progress, the graph runs, its export names the URL',
    async run(ctx) {
      const id = 'e2e-url';
      const { dir, folder } = await packCopy(ctx, id);
      const url = `${await packHost(ctx, dir)}/${id}/manifest.json`;
      const { page } = await ctx.newProfile();
      await openEditor(page, ctx.url);
      await importThroughUi(page, await graphNeeding(dir, id, join(folder, 'manifest.json'), url));
      const notice = page.locator('[data-testid="missing-packs"]');
      await notice.waitFor({ timeout: 15_000 });
      assert.ok((await notice.textContent()).includes(url), 'the notice does not say where to get the pack');
      await openManager(page);
      await notice.locator('[data-testid="missing-fetch"]').click();
      // the bar moves while the generator streams in
      const seen = new Set();
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline && !(await row(page, id).count())) {
        const v = await page
          .locator('[data-testid="pack-progress"]')
          .evaluate((el) => el.value, null, { timeout: 200 })
          .catch(() => null);
        if (typeof v === 'number' && v > 0 && v < 1) seen.add(v.toFixed(2));
        await page.waitForTimeout(40);
      }
      assert.ok(seen.size >= 2, `the progress bar did not move (values seen: ${[...seen]})`);
      await row(page, id).waitFor({ timeout: 20_000 });
      assert.match(await row(page, id).textContent(), /127\.0\.0\.1/);
      await notice.waitFor({ state: 'detached', timeout: 10_000 });
      await waitForImage(page, SEL.preview('generate'), { timeout: 30_000 });
      const { bytes } = await exportThroughUi(page, 'export-json');
      const exported = JSON.parse(bytes.toString('utf8'));
      assert.deepEqual(exported.packs.find((p) => p.id === id)?.url, url);
    },
  },
  {
    name: 'WebGPU on a software adapter (SwiftShader): chosen EP active, the same pixels as WASM',
    async run(ctx) {
      // headless Chromium has no GPU here; SwiftShader gives a real WebGPU adapter in software
      const dir = await mkdtemp(join(tmpdir(), 'delta-e2e-webgpu-'));
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM_PATH,
        headless: true,
        args: [
          '--no-sandbox',
          '--no-first-run',
          '--disable-background-networking',
          '--enable-unsafe-webgpu',
          '--use-webgpu-adapter=swiftshader',
          '--enable-features=Vulkan',
        ],
        viewport: { width: 1400, height: 900 },
      });
      ctx.onCleanup(async () => {
        await context.close().catch(() => {});
        await rm(dir, { recursive: true, force: true });
      });
      const page = context.pages()[0] ?? (await context.newPage());
      const pixels = async () =>
        page
          .locator(SEL.preview('generate'))
          .first()
          .evaluate((el) => {
            const c = document.createElement('canvas');
            c.width = el.width || el.naturalWidth;
            c.height = el.height || el.naturalHeight;
            const g = c.getContext('2d');
            g.drawImage(el, 0, 0);
            return [...g.getImageData(0, 0, c.width, c.height).data];
          });
      const results = {};
      for (const ep of ['wasm', 'webgpu']) {
        if (ep === 'wasm') await openEditor(page, ctx.url);
        await openManager(page);
        await page.locator('[data-testid="ep-select"]').selectOption(ep);
        await page.waitForFunction(
          (ep) => document.querySelector('[data-testid="ep-active"]')?.getAttribute('data-ep') === ep,
          ep,
          { timeout: 30_000 },
        );
        // the sessions are new: the whole graph runs again on this EP (a reload starts from the stored choice)
        await page.reload({ waitUntil: 'load' });
        await waitForImage(page, SEL.preview('generate'), { timeout: 90_000 });
        await waitForSettled(page, { timeout: 90_000 });
        await openManager(page);
        assert.equal(await page.locator('[data-testid="ep-active"]').getAttribute('data-ep'), ep);
        const states = await page.evaluate(() =>
          [...document.querySelectorAll('[data-node-type]')].map((e) => e.getAttribute('data-node-state')),
        );
        assert.ok(
          states.every((s) => s === 'done'),
          `not every node ran on ${ep}: ${states}`,
        );
        results[ep] = await pixels();
      }
      assert.match(await page.locator('[data-testid="ep-note"]').textContent(), /WebGPU/);
      assert.equal(results.webgpu.length, results.wasm.length);
      const maxDiff = results.wasm.reduce((m, v, i) => Math.max(m, Math.abs(v - results.webgpu[i])), 0);
      // stated tolerance: at most 2 of 255 levels per channel on the 8-bit result
      assert.ok(maxDiff <= 2, `WebGPU and WASM images differ by up to ${maxDiff} levels`);
      process.stdout.write(
        `      WebGPU (SwiftShader) vs WASM, Generate image: max difference ${maxDiff} of 255 levels over ${results.wasm.length / 4} px\n`,
      );
    },
  },
];
