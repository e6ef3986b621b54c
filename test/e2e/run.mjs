#!/usr/bin/env node
// End-to-end runner (`npm run test:e2e`): builds the app, serves it with `vite preview`, runs
// every spec in test/e2e/specs against Debian's Chromium, and ends with "N passed, M failed".
// A small runner of our own: @playwright/test would try to download its own browser.
//   node test/e2e/run.mjs [--no-build] [--grep <text>] [--keep-artifacts]
import { readdir, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildApp, startPreview, ROOT } from './lib/server.mjs';
import { CHROMIUM_PATH, launchProfile } from './lib/browser.mjs';

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const grep = option('--grep');
const TEST_TIMEOUT_MS = Number(process.env.E2E_TEST_TIMEOUT_MS ?? 150_000);
const ARTIFACTS = join(ROOT, 'test-results', 'e2e');

function log(line) {
  process.stdout.write(line + '\n');
}

async function loadTests() {
  const dir = join(ROOT, 'test', 'e2e', 'specs');
  const files = (await readdir(dir)).filter((f) => f.endsWith('.spec.mjs')).sort();
  const tests = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(join(dir, file)).href);
    for (const t of mod.tests ?? []) tests.push({ ...t, file, title: `${file.replace('.spec.mjs', '')} › ${t.name}` });
  }
  return grep ? tests.filter((t) => t.title.toLowerCase().includes(grep.toLowerCase())) : tests;
}

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

async function main() {
  if (!existsSync(CHROMIUM_PATH)) {
    log(`Chromium not found at ${CHROMIUM_PATH} (apt-get install -y chromium, or set CHROMIUM_PATH)`);
    log('0 passed, 1 failed');
    process.exit(1);
  }
  const tests = await loadTests();
  if (!tests.length) {
    log(`no e2e tests matched${grep ? ` "${grep}"` : ''}`);
    log('0 passed, 1 failed');
    process.exit(1);
  }
  const t0 = Date.now();
  if (!flag('--no-build')) {
    log('building the app (vite build)…');
    await buildApp();
  }
  const server = await startPreview();
  log(`serving ${server.url} — ${tests.length} tests`);

  let passed = 0;
  let failed = 0;
  const failures = [];
  try {
    for (const test of tests) {
      const started = Date.now();
      // profiles opened by a test are closed even when it fails
      const cleanups = [];
      const ctx = {
        url: server.url,
        onCleanup: (fn) => cleanups.push(fn),
        artifact: async (name, data) => {
          await mkdir(ARTIFACTS, { recursive: true });
          await writeFile(join(ARTIFACTS, name), data);
        },
        /** the profiles a test opened, for screenshots and console output on failure */
        profiles: [],
        /** a browser with a fresh profile, or with profile `dir` reopened (closed after the test) */
        async newProfile(options = {}) {
          const profile = await launchProfile({ ...options, keep: true });
          ctx.profiles.push(profile);
          // the directory is removed after the test, so a spec may close and reopen it meanwhile
          cleanups.push(() => profile.close({ removeDir: true }));
          return profile;
        },
      };
      try {
        await withTimeout(test.run(ctx), TEST_TIMEOUT_MS, test.title);
        passed++;
        log(`  ✓ ${test.title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (err) {
        failed++;
        log(`  ✗ ${test.title} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
        log(
          `      ${String(err?.stack ?? err)
            .split('\n')
            .slice(0, 8)
            .join('\n      ')}`,
        );
        for (const [i, profile] of ctx.profiles.entries()) {
          const shot = `${test.file.replace('.spec.mjs', '')}-${test.name.replace(/[^\w]+/g, '-')}-${i}.png`;
          try {
            await mkdir(ARTIFACTS, { recursive: true });
            await profile.page.screenshot({ path: join(ARTIFACTS, shot), timeout: 5000 });
            log(`      screenshot: test-results/e2e/${shot}`);
          } catch {
            // the page may be gone
          }
          if (profile.consoleLines.length)
            log(`      console:\n        ${profile.consoleLines.slice(-15).join('\n        ')}`);
        }
        failures.push(test.title);
      } finally {
        for (const fn of cleanups.reverse()) await fn().catch(() => {});
      }
    }
  } finally {
    await server.stop();
  }
  log(`e2e finished in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (failures.length) log(`failed:\n  ${failures.join('\n  ')}`);
  log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  log(String(err?.stack ?? err));
  log('0 passed, 1 failed');
  process.exit(1);
});
