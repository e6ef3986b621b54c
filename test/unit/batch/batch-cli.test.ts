// The headless batch as a user runs it: real processes, the fixture pack, files on disk.
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { decode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, MANIFEST_FILE } from '../../../src/batch/manifest';
import { readGraphFromPng } from '../../../src/graph/png-metadata';
import { runBatch } from '../../../tools/batch';
import { ExitError } from '../../../tools/run-graph';
import { facePng, fixtureGraph, jsonLines, tool, writeFaces } from './helpers';

let dir: string;
let graph: string;
let faces: string;
let corrupt: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dge-batch-'));
  graph = path.join(dir, 'graph.dge.json');
  await writeFile(graph, JSON.stringify(fixtureGraph()));
  faces = path.join(dir, 'faces');
  corrupt = await writeFaces(faces, 195);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('npm run batch (headless)', () => {
  it(
    '200 faces with 5 corrupt: 195 results and 5 named errors, exit code 1; the rerun resumes and recomputes nothing',
    { timeout: 240_000 },
    async () => {
      const out = path.join(dir, 'out');
      const run = tool('batch', [graph, '--inputs', faces, '--out', out, '--concurrency', '2']);
      expect(await run.exited).toBe(1);
      const lines = jsonLines(run);
      expect(lines).toHaveLength(200);
      expect(new Set(lines.map((l) => l.file)).size).toBe(200);
      const failed = lines.filter((l) => l.status === 'error');
      expect(failed.map((l) => l.file).sort()).toEqual([...corrupt].sort());
      for (const f of failed) expect(String(f.error)).toContain(String(f.file));
      // every failed file is named on stderr
      for (const name of corrupt) expect(run.stderr).toContain(name);
      expect(run.stderr).toContain('5 items failed');

      const done = lines.filter((l) => l.status === 'done');
      expect(done).toHaveLength(195);
      const files = (await readdir(out)).filter((f) => f.endsWith('.png'));
      // one result per face, named by its content hash: distinct faces give distinct files
      expect(files).toHaveLength(195);
      for (const l of done) {
        const [file] = l.results as string[];
        expect(file).toMatch(/^[0-9a-f]{32}\.png$/);
        expect(typeof (l.values as Record<string, number>)['compare.psnr']).toBe('number');
      }
      // a result reopens its own item's graph: the fixture graph with that face embedded
      const sample = await readFile(path.join(out, (done[0]!.results as string[])[0]!));
      expect(decode(sample).width).toBe(32);
      const embedded = JSON.parse(readGraphFromPng(sample)!);
      expect(embedded.nodes.find((n: { id: string }) => n.id === 'face').params.source).toBe('asset:batch-input');
      expect(embedded.assets['batch-input'].name).toBe(done[0]!.file);

      const manifest = parseManifest(await readFile(path.join(out, MANIFEST_FILE), 'utf8'));
      expect(manifest.records.size).toBe(200);
      const csv = (await readFile(path.join(out, 'results.csv'), 'utf8')).trim().split('\n');
      expect(csv[0]).toBe('file,status,error,edited.png,compare.psnr,compare.identity,ms');
      expect(csv).toHaveLength(201);

      // the same command again: the 195 come from the manifest, only the 5 broken files run again
      const manifestBefore = await readFile(path.join(out, MANIFEST_FILE), 'utf8');
      const again = tool('batch', [graph, '--inputs', faces, '--out', out, '--concurrency', '2']);
      expect(await again.exited).toBe(1);
      const relines = jsonLines(again);
      expect(relines.filter((l) => l.resumed === true)).toHaveLength(195);
      expect(
        relines
          .filter((l) => l.status === 'error')
          .map((l) => l.file)
          .sort(),
      ).toEqual([...corrupt].sort());
      const added = (await readFile(path.join(out, MANIFEST_FILE), 'utf8'))
        .slice(manifestBefore.length)
        .trim()
        .split('\n');
      expect(added).toHaveLength(5);
      expect(again.stderr).toContain('195 resumed');
    },
  );

  it('takes a zip and a glob; native and wasm runs of the same face agree', { timeout: 120_000 }, async () => {
    const zip = path.join(dir, 'faces.zip');
    await writeFile(
      zip,
      zipSync({
        'set/a.png': facePng(1),
        'set/b.png': facePng(2),
        'notes.txt': new TextEncoder().encode('not an image'),
      }),
    );
    const outZip = path.join(dir, 'out-zip');
    const z = tool('batch', [graph, '--inputs', zip, '--out', outZip, '--concurrency', '1']);
    expect(await z.exited).toBe(0);
    const zl = jsonLines(z);
    expect(zl.map((l) => l.file)).toEqual(['set/a.png', 'set/b.png']);

    const outGlob = path.join(dir, 'out-glob');
    const g = tool('batch', [
      graph,
      '--inputs',
      `${faces}/face-00[12].png`,
      '--out',
      outGlob,
      '--concurrency',
      '1',
      '--backend',
      'wasm',
    ]);
    expect(await g.exited).toBe(0);
    const gl = jsonLines(g);
    expect(gl.map((l) => l.file)).toEqual(['face-001.png', 'face-002.png']);
    expect(g.stderr).toContain('wasm');
    // face 1 from the zip (as set/a.png, native where onnxruntime-node installed) and from the glob
    // (wasm): the same picture within float rounding
    const fromZip = decode(await readFile(path.join(outZip, (zl[0]!.results as string[])[0]!))).data;
    const fromGlob = decode(await readFile(path.join(outGlob, (gl[0]!.results as string[])[0]!))).data;
    expect(fromZip.length).toBe(fromGlob.length);
    let worst = 0;
    for (let i = 0; i < fromZip.length; i++) worst = Math.max(worst, Math.abs(fromZip[i]! - fromGlob[i]!));
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('refuses bad usage with clear messages (exit 2)', async () => {
    const cases: [string[], RegExp][] = [
      [[graph, '--out', dir], /no inputs given/],
      [[graph, '--inputs', path.join(dir, 'nope'), '--out', dir], /no such file or folder/],
      [[graph, '--inputs', faces, '--out', dir, '--concurrency', '0'], /--concurrency must be a whole number/],
      [
        [graph, '--inputs', path.join(dir, 'graph.dge.json'), '--out', dir, '--node', 'invert'],
        /"invert" is a gan-inversion node/,
      ],
    ];
    for (const [args, message] of cases) {
      const err = await runBatch(args, () => undefined).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ExitError);
      expect((err as ExitError).code).toBe(2);
      expect((err as ExitError).message).toMatch(message);
    }
  });
});
