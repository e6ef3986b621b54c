// The hostile-input corpus in CI: over a thousand generated cases (fixed seed) through the real
// import paths — graph files (importFile), pasted fragments (GraphStore), PNGs with graph chunks
// (importFile), share links, images (the headless decoder), pack manifests and headless reads.
// For every case: no uncaught exception, no case over CASE_LIMIT_MS, memory growth under
// MEMORY_CAP, the open graph unchanged when the input is refused, and a message that names the
// problem (never a bare JavaScript error).
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { validateGraphObject, type GraphDocument, type NodeRegistry } from '../../../src/graph/document';
import { decodeGraphFromFragment } from '../../../src/graph/share-url';
import { MAX_IMAGE_PIXELS } from '../../../src/graph/limits';
import { nodeDefinitions, nodeRegistry } from '../../../src/nodes';
import { importFile } from '../../../src/ui/io/file-io';
import { GraphStore, type ClipboardFragment } from '../../../src/ui/editor/graph-store';
import { parsePackManifest } from '../../../src/workers/pack/manifest';
import { decodeImageNode } from '../../../src/workers/node/context';
import { createReadPolicy } from '../../../src/workers/node/read-policy';
import { modelsDir } from '../nodes/helpers';
import { buildCorpus, type Family, type HostileCase } from './corpus';
import type { NodeSpec } from '../../../src/graph/types';

const SEED = 19;
const COUNT: Record<Family, number> = {
  graph: 400,
  paste: 160,
  png: 160,
  link: 120,
  image: 160,
  manifest: 80,
  read: 60,
};
/** no single case may take longer (generous: CI shares two cores with other work) */
const CASE_LIMIT_MS = 3000;
/** nor grow the heap and array buffers by more than this */
const MEMORY_CAP = 300 * 1024 * 1024;

const catalog = new Map<string, NodeSpec>(nodeDefinitions.map(({ compute: _c, ...rest }) => [rest.type, rest]));
const registry = nodeRegistry as NodeRegistry;

/** Messages that are a JavaScript error leaking through instead of a description of the input. */
const BARE_JS_ERROR =
  /Cannot read propert|is not a function|is not iterable|is not defined|undefined \(reading|Invalid typed array length|Offset is outside|Maximum call stack|Invalid array length|could not load the graph/;
/** How each family's refusals begin: with the path or the thing that is wrong. */
const NAMES_THE_PROBLEM: Record<Family, RegExp> = {
  // graph files: `path: problem`, the path starting at the root or a top-level key
  graph: /^file: (?:\(root\): |[a-z]+\b|invalid JSON: |not a text file|file is too large|\(version 0 file\) )/,
  paste: /^(?:pasted\b|assets\b|nodes: |connections: )/,
  png: /^hostile\.png: (?:not a PNG|PNG is |PNG (?:iTXt|zTXt|tEXt) chunk|embedded graph \((?:iTXt|zTXt) chunk\)|this PNG carries no Delta Studio graph|\(root\): |[a-z]+\b|invalid JSON|\(version 0 file\) )/,
  link: /^(?:link: |\(root\): |[a-z]+\b|invalid JSON|\(version 0 file\) )/,
  image: /^(?:the (?:PNG|JPEG|GIF|WEBP|BMP) is |unsupported image format|PNG is |JPEG is |WebP is )/,
  manifest: /^invalid model pack manifest: /,
  read: /^(?:"[^"]*" is not among the files|.+ is not among the URLs|"[^"]*" is not a regular file|"[^"]*": only files|cannot read "|no file or URL given|"[^"]*" is not a valid|.+ is a local or private address)/,
};

function openStore(): GraphStore {
  const s = new GraphStore(
    {
      format: 'delta-studio/graph',
      version: 1,
      name: 'open',
      nodes: [],
      connections: [],
      packs: [],
      assets: {},
    } as GraphDocument,
    catalog,
    () => 'fixture',
  );
  const a = s.addNode('scale', [0, 0]);
  const b = s.addNode('scale', [200, 0]);
  s.connect({ node: a.id, socket: 'delta' }, { node: b.id, socket: 'delta' });
  return s;
}

type Outcome = { refused: boolean; messages: string[] };

async function runCase(c: HostileCase, store: GraphStore, readDir: string): Promise<Outcome> {
  const refusedWith = (messages: string[]): Outcome => ({ refused: true, messages });
  const asError = (e: unknown): string => (e instanceof Error ? e.message : `not an Error: ${String(e)}`);
  switch (c.family) {
    case 'graph': {
      const r = await importFile(
        new File([c.input as string], 'hostile.dge.json', { type: 'application/json' }),
        catalog,
      );
      if (!r.ok) return refusedWith(r.errors.map((m) => m.replace(/^hostile\.dge\.json: /, 'file: ')));
      // an accepted graph re-validates to itself
      const again = validateGraphObject(JSON.parse(JSON.stringify(r.doc)), registry);
      expect(again.ok, `${c.name}: an accepted graph must re-validate`).toBe(true);
      return { refused: false, messages: [] };
    }
    case 'paste': {
      const checked = store.checkPaste(c.input);
      if (!checked.ok) {
        expect(() => store.paste(c.input as ClipboardFragment, [0, 0])).toThrow(/Paste refused/);
        return refusedWith(checked.errors);
      }
      const ids = store.paste(c.input as ClipboardFragment, [10, 10]);
      expect(validateGraphObject(store.doc, registry).ok, `${c.name}: the graph after a paste must be valid`).toBe(
        true,
      );
      if (ids.length) store.undo(); // back to the open graph, so later cases start from it
      return { refused: false, messages: [] };
    }
    case 'png': {
      const r = await importFile(
        new File([c.input as Uint8Array<ArrayBuffer>], 'hostile.png', { type: 'image/png' }),
        catalog,
      );
      return r.ok ? { refused: false, messages: [] } : refusedWith(r.errors);
    }
    case 'link': {
      const r = decodeGraphFromFragment(c.input as string, registry);
      return r.ok ? { refused: false, messages: [] } : refusedWith(r.errors);
    }
    case 'image': {
      try {
        const img = await decodeImageNode(c.input as Uint8Array);
        expect(img.width * img.height).toBeLessThanOrEqual(MAX_IMAGE_PIXELS);
        expect(img.data.length).toBe(img.width * img.height * 4);
        return { refused: false, messages: [] };
      } catch (e) {
        return refusedWith([asError(e)]);
      }
    }
    case 'manifest': {
      try {
        parsePackManifest(c.input);
        return { refused: false, messages: [] };
      } catch (e) {
        return refusedWith([asError(e)]);
      }
    }
    case 'read': {
      const policy = createReadPolicy({ allow: [path.join(readDir, 'face.png')], cwd: readDir, timeoutMs: 1000 });
      try {
        await policy.read(c.input as string, readDir);
        return { refused: false, messages: [] };
      } catch (e) {
        return refusedWith([asError(e)]);
      }
    }
  }
}

describe('hostile-input corpus', () => {
  it(`${Object.values(COUNT).reduce((a, b) => a + b)} generated cases (seed ${SEED}) are refused or repaired cleanly, each in time and memory`, async () => {
    const fixtureManifest = JSON.parse(await readFile(path.join(modelsDir, 'fixture', 'manifest.json'), 'utf8'));
    const cases = buildCorpus(SEED, COUNT, fixtureManifest);
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const readDir = await mkdtemp(path.join(tmpdir(), 'dge-corpus-'));
    await writeFile(
      path.join(readDir, 'face.png'),
      encode({ width: 4, height: 4, data: new Uint8Array(64).fill(90), channels: 4 }),
    );

    const store = openStore();
    const stats: Record<string, { cases: number; refused: number; slowestMs: number }> = {};
    const problems: string[] = [];
    for (const c of cases) {
      const before = JSON.stringify(store.doc);
      const memBefore = process.memoryUsage();
      const t0 = performance.now();
      let outcome: Outcome;
      try {
        outcome = await runCase(c, store, readDir);
      } catch (e) {
        problems.push(`${c.name}: uncaught ${e instanceof Error ? e.stack : String(e)}`);
        continue;
      }
      const ms = performance.now() - t0;
      const memAfter = process.memoryUsage();
      const grew = memAfter.heapUsed + memAfter.arrayBuffers - (memBefore.heapUsed + memBefore.arrayBuffers);
      const s = (stats[c.family] ??= { cases: 0, refused: 0, slowestMs: 0 });
      s.cases++;
      s.slowestMs = Math.max(s.slowestMs, Math.round(ms));
      if (ms > CASE_LIMIT_MS) problems.push(`${c.name}: took ${Math.round(ms)} ms (limit ${CASE_LIMIT_MS})`);
      if (grew > MEMORY_CAP)
        problems.push(`${c.name}: memory grew ${(grew / 1048576).toFixed(0)} MB (cap ${MEMORY_CAP / 1048576})`);
      if (JSON.stringify(store.doc) !== before) problems.push(`${c.name}: the open graph changed`);
      if (outcome.refused) {
        s.refused++;
        if (!outcome.messages.length) problems.push(`${c.name}: refused without a message`);
        for (const m of outcome.messages) {
          if (typeof m !== 'string' || !m.trim()) problems.push(`${c.name}: empty message`);
          else if (!/^file: invalid JSON/.test(m) && BARE_JS_ERROR.test(m))
            problems.push(`${c.name}: a bare JavaScript error: ${m.slice(0, 200)}`);
          else if (!/^… and \d+ more$/.test(m) && !NAMES_THE_PROBLEM[c.family].test(m))
            problems.push(`${c.name}: the message does not name the problem: ${m.slice(0, 200)}`);
        }
      }
    }
    console.log(`hostile corpus (seed ${SEED}):`, JSON.stringify(stats));
    expect(problems.slice(0, 20)).toEqual([]);
    // the corpus exercises both outcomes in every family that has them
    for (const family of ['graph', 'png', 'link', 'image', 'manifest', 'read', 'paste'] as Family[])
      expect(stats[family]!.refused).toBeGreaterThan(0);
    expect(process.memoryUsage().rss).toBeLessThan(3 * 1024 * 1024 * 1024);
  }, 300_000);
});
