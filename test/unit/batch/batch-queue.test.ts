// The batch on BullMQ + a real Redis (Debian's redis-server, started here on a free loopback port).
// Workers run in their own temporary folders and are never told the output folder: results travel
// back through Redis and the producer writes them (the no-shared-disk set-up README describes).
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MANIFEST_FILE, parseManifest } from '../../../src/batch/manifest';
import { fixtureGraph, jsonLines, startRedis, tool, writeFaces, type Proc, type RedisServer } from './helpers';

let dir: string;
let graph: string;
let faces: string;
let corrupt: string[];
let redis: RedisServer;
const started: Proc[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dge-queue-'));
  graph = path.join(dir, 'graph.dge.json');
  await writeFile(graph, JSON.stringify(fixtureGraph()));
  faces = path.join(dir, 'faces');
  corrupt = await writeFaces(faces, 195);
  redis = await startRedis();
}, 60_000);

afterEach(async () => {
  for (const p of started.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** A worker in a folder of its own (no shared disk with the producer). */
async function worker(queue: string, lockMs = 3000): Promise<Proc> {
  const cwd = await mkdtemp(path.join(tmpdir(), 'dge-worker-'));
  const p = tool(
    'worker',
    ['--queue', redis.url, '--queue-name', queue, '--concurrency', '1', '--lock-ms', String(lockMs)],
    { cwd },
  );
  started.push(p);
  return p;
}

function producer(queue: string, out: string): Proc {
  const p = tool('batch', [graph, '--inputs', faces, '--out', out, '--queue', redis.url, '--queue-name', queue]);
  started.push(p);
  return p;
}

/** The checks every queue run must pass: 195 results, 5 named errors, each item once. */
async function expectComplete(out: string, lines: Record<string, unknown>[]) {
  const manifest = parseManifest(await readFile(path.join(out, MANIFEST_FILE), 'utf8'));
  const records = [...manifest.records.values()];
  expect(records).toHaveLength(200);
  // no finished item twice in the manifest (failed items are tried again by a rerun, by design)
  const lineKeys = (await readFile(path.join(out, MANIFEST_FILE), 'utf8'))
    .split('\n')
    .filter((l) => l.startsWith('{"item"'))
    .map((l) => JSON.parse(l).item)
    .filter((r) => r.status === 'done')
    .map((r) => r.key);
  expect(new Set(lineKeys).size).toBe(lineKeys.length);
  expect(
    records
      .filter((r) => r.status === 'error')
      .map((r) => r.name)
      .sort(),
  ).toEqual([...corrupt].sort());
  for (const r of records.filter((x) => x.status === 'error')) expect(r.error).toContain(r.name);
  const done = records.filter((r) => r.status === 'done');
  expect(done).toHaveLength(195);
  const pngs = (await readdir(out)).filter((f) => f.endsWith('.png'));
  expect(pngs.sort()).toEqual([...new Set(done.flatMap((r) => r.images.map((i) => i.file)))].sort());
  expect(pngs).toHaveLength(195);
  // the JSON lines name each file once
  const files = lines.map((l) => l.file);
  expect(new Set(files).size).toBe(files.length);
}

/** Stall events BullMQ recorded on the queue's event stream. */
async function stalledEvents(queue: string): Promise<number> {
  const client = new Redis(redis.port, '127.0.0.1');
  try {
    const entries = await client.xrange(`bull:${queue}:events`, '-', '+');
    return entries.filter(([, fields]) => fields[0] === 'event' && fields[1] === 'stalled').length;
  } finally {
    client.disconnect();
  }
}

describe('batch on BullMQ + Redis', () => {
  it(
    'kill -9 of a worker mid-batch: its item runs again after the stall timeout; 195 results, 5 errors, no duplicates',
    { timeout: 240_000 },
    async () => {
      const queue = 'kill-worker';
      const out = path.join(dir, 'out-kill');
      // two workers share the batch; once a fifth is done, A is killed while it holds an item
      const a = await worker(queue);
      const b = await worker(queue);
      await Promise.all([a.waitForStderr(/runner.*on redis/), b.waitForStderr(/runner.*on redis/)]);
      const p = producer(queue, out);
      await p.waitFor((_, lines) => lines.filter((l) => l.startsWith('{')).length >= 40, 120_000);
      a.child.kill('SIGKILL');
      expect(await a.exited).toBe(null);
      expect(await p.exited).toBe(1);
      await expectComplete(out, jsonLines(p));
      // A held an item when it died: B's stall check put it back (nothing lost)
      const stalls = await stalledEvents(queue);
      expect(stalls).toBeGreaterThanOrEqual(1);
      // every item ran; an item runs a second time only after a stall put it back (A may have
      // reported its item just before the kill, without Redis hearing it finish)
      const ran = [...jsonLines(a), ...jsonLines(b)].map((l) => l.job);
      expect(new Set(ran).size).toBe(200);
      expect(ran.length - 200).toBeLessThanOrEqual(stalls);
    },
  );

  it(
    'producer killed and restarted: it resumes, collects what finished meanwhile and recomputes nothing',
    { timeout: 240_000 },
    async () => {
      const queue = 'restart-producer';
      const out = path.join(dir, 'out-restart');
      const w = await worker(queue, 30_000);
      const first = producer(queue, out);
      await first.waitFor((_, lines) => lines.filter((l) => l.startsWith('{')).length >= 50, 120_000);
      first.child.kill('SIGKILL');
      await first.exited;
      const kept = [...parseManifest(await readFile(path.join(out, MANIFEST_FILE), 'utf8')).records.values()].filter(
        (r) => r.status === 'done',
      ).length;
      expect(kept).toBeGreaterThanOrEqual(40);
      // the worker goes on with the queued items while no producer listens
      const doneBefore = jsonLines(w).length;
      await w.waitFor((_, lines) => lines.length >= doneBefore + 20, 60_000);
      const second = producer(queue, out);
      expect(await second.exited).toBe(1);
      const lines = jsonLines(second);
      // what the first producer had written is taken from the manifest, the rest collected from Redis
      expect(lines.filter((l) => l.resumed === true)).toHaveLength(kept);
      await expectComplete(out, lines);
      // each of the 195 good faces ran exactly once on the worker (the 5 broken files are tried
      // again by the second producer, as any rerun retries failed items)
      const ran = jsonLines(w)
        .filter((l) => l.status === 'done')
        .map((l) => l.job);
      expect(ran).toHaveLength(195);
      expect(new Set(ran).size).toBe(195);
      // nothing left in Redis but the queue's bookkeeping: every job was collected and removed
      const client = new Redis(redis.port, '127.0.0.1');
      try {
        const jobKeys = (await client.keys(`bull:${queue}:item-*`)).length;
        expect(jobKeys).toBe(0);
      } finally {
        client.disconnect();
      }
    },
  );
});
