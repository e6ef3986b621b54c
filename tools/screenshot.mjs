#!/usr/bin/env node
// The README's editor picture, taken the way a user sees the app: builds it, serves it with
// `vite preview`, opens it in Debian's Chromium on a fresh profile, opens a bundled example from
// the Library's Examples list, waits until every node has run, and saves a screenshot.
//   node tools/screenshot.mjs [--example combine-smile-yaw.dge.json] [--out docs/editor.png]
//                             [--width 1600] [--height 950] [--no-build]
import { resolve } from 'node:path';
import { buildApp, startPreview, ROOT } from '../test/e2e/lib/server.mjs';
import { launchProfile, openEditor, waitForSettled } from '../test/e2e/lib/browser.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
};
const example = option('example', 'combine-smile-yaw.dge.json');
const out = resolve(ROOT, option('out', 'docs/editor.png'));
const width = Number(option('width', '1600'));
const height = Number(option('height', '950'));
for (const [name, v] of [
  ['width', width],
  ['height', height],
]) {
  if (!Number.isInteger(v) || v < 640 || v > 4000)
    throw new Error(`--${name} must be a whole number of pixels 640..4000, got ${v}`);
}

if (!args.includes('--no-build')) await buildApp();
const server = await startPreview();
const profile = await launchProfile({ viewport: { width, height } });
try {
  const { page } = profile;
  await openEditor(page, server.url);
  await waitForSettled(page);
  const open = page.locator(`[data-testid="example-open"][data-file="${example}"]`);
  if ((await open.count()) === 0) throw new Error(`no example "${example}" in the Library's Examples list`);
  await open.click();
  // the example replaces the graph: wait for its nodes to run, then for the previews to paint
  await page.waitForTimeout(500);
  await waitForSettled(page, { timeout: 120_000 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: out });
  console.log(`wrote ${out} (${width}×${height}, example ${example})`);
} finally {
  await profile.close();
  await server.stop();
}
