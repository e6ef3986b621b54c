// Batch benchmark (`npm run bench:batch [-- --json] [--count 40] [--graph examples/edit-smile.dge.json] [--browser [--no-build]]`):
// images/s of the headless batch with 1 and 2 runner processes, with onnxruntime-node (native)
// and onnxruntime-web (wasm); the queue's overhead per item (BullMQ on a throwaway redis-server,
// one worker, against the same runner locally); Redis commands, Redis CPU time and bytes per item;
// and from these measured figures a projection for N machines. Numbers, not assertions.
// Queue overhead per item: the median of what a worker adds around the runner (job data in and
// out, base64; less the runner IPC a local batch pays as well) plus the median gap between one item's end and the next one's start (BullMQ
// completing the job and fetching the next); the wall-clock difference to the local run is
// reported too (it also carries every scheduling delay of a loaded machine).
// --browser: the built app in headless Chromium, 20 files dropped on the batch panel (the
// example graph that opens first): images/s and the main thread's longest task while it runs.
//
// Every configuration runs the same faces (the pack's framing, seeded noise per file) through
// the same graph; each runner first runs one warm-up item (model sessions, the graph's
// image-independent nodes such as Synthetic Pair), which the timing leaves out.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { batchTarget } from '../../src/batch/item';
import type { NodeBackendChoice } from '../../src/workers/node/ort-node';
import { loadNodeBackend } from '../../src/workers/node/ort-node';
import { readBatchGraph, defaultModels } from '../batch';
import { facePng } from '../batch/faces';
import { RunnerPool } from '../batch/pool';
import { produce, startWorker } from '../batch/queue';
import { startRedis } from '../batch/redis-server';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const args = process.argv.slice(2);
const asJson = args.includes('--json');
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const COUNT = Number(option('--count', '40'));
const GRAPH = path.resolve(ROOT, option('--graph', 'examples/edit-smile.dge.json'));
const BROWSER = args.includes('--browser');
const NO_BUILD = args.includes('--no-build');
const log = (m: string) => !asJson && process.stderr.write(m + '\n');
const round = (v: number, d = 2) => Number(v.toFixed(d));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : NaN;
};

async function main() {
  const graph = await readBatchGraph(GRAPH, () => undefined);
  const target = batchTarget(graph.doc);
  const packId = String(graph.doc.nodes.find((n) => n.id === target)!.params.pack ?? 'faceworld');
  const manifest = JSON.parse(
    await (await import('node:fs/promises')).readFile(path.join(defaultModels(), packId, 'manifest.json'), 'utf8'),
  );
  const size: number = manifest.image.size;
  const framing = manifest.image.framing ?? 'frame';
  log(`rendering ${COUNT + 2} faces (${size} px, ${framing} framing)…`);
  const faces = Array.from({ length: COUNT + 2 }, (_, i) => ({
    name: `face-${i}.png`,
    bytes: facePng(i, size, framing),
  }));
  const task = (f: { name: string; bytes: Uint8Array }) => ({
    graphSha256: graph.sha256,
    graphText: graph.text,
    target,
    name: f.name,
    bytes: f.bytes,
  });
  const warm = faces.slice(0, 2);
  const timed = faces.slice(2);

  const nativeOk = (await loadNodeBackend('auto')).name === 'native';
  const backends: NodeBackendChoice[] = nativeOk ? ['native', 'wasm'] : ['wasm'];
  const local: Record<
    string,
    { images_per_s: number; median_item_ms: number; wall_s: number; ipc_ms: number; cpu_ms: number }
  > = {};
  for (const backend of backends) {
    for (const runners of [1, 2]) {
      const pool = await RunnerPool.start({ size: runners, models: defaultModels(), backend });
      try {
        await Promise.all(warm.slice(0, runners).map((f) => pool.run(task(f))));
        const itemMs: number[] = [];
        const ipcMs: number[] = [];
        const cpuMs: number[] = [];
        let next = 0;
        const t0 = performance.now();
        await Promise.all(
          Array.from({ length: runners }, async () => {
            while (next < timed.length) {
              const t = performance.now();
              const r = await pool.run(task(timed[next++]!));
              if (r.record.status !== 'done') throw new Error(`benchmark item failed: ${r.record.error}`);
              itemMs.push(r.record.ms);
              ipcMs.push(performance.now() - t - r.record.ms);
              cpuMs.push(r.cpuMs);
            }
          }),
        );
        const wall = (performance.now() - t0) / 1000;
        local[`${backend}_${runners}`] = {
          images_per_s: round(timed.length / wall),
          median_item_ms: round(median(itemMs)),
          wall_s: round(wall),
          ipc_ms: median(ipcMs),
          cpu_ms: round(median(cpuMs)),
        };
        log(
          `${backend}, ${runners} runner${runners > 1 ? 's' : ''}: ${round(timed.length / wall)} images/s (median item ${round(median(itemMs))} ms)`,
        );
      } finally {
        await pool.close();
      }
    }
  }
  const best = backends[0]!;
  const ratio = (b: string) => round(local[`${b}_2`]!.images_per_s / local[`${b}_1`]!.images_per_s);

  // the queue: one worker with one runner against the same local figure
  log('queue: BullMQ on a throwaway redis-server, one worker, one runner…');
  const redis = await startRedis();
  const client = new Redis(redis.port, '127.0.0.1');
  const pool = await RunnerPool.start({ size: 1, models: defaultModels(), backend: best });
  let queue: Record<string, number>;
  try {
    await pool.run(task(warm[0]!));
    const rtts: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await client.ping();
      rtts.push(performance.now() - t);
    }
    // per item: the worker's own time around the runner (job data, base64, IPC) and the gap from
    // one item's end to the next one's start (BullMQ completes the job and fetches the next)
    const spans: { started: number; ended: number; ms: number }[] = [];
    const worker = await startWorker({
      url: redis.url,
      queueName: 'bench',
      pool,
      lockMs: 30_000,
      onJob: (record, info) => spans.push({ started: info.started, ended: info.ended, ms: record.ms }),
    });
    const stats = async () => {
      const info = await client.info('commandstats');
      let calls = 0;
      let usec = 0;
      for (const m of info.matchAll(/calls=(\d+),usec=(\d+)/g)) {
        calls += Number(m[1]);
        usec += Number(m[2]);
      }
      const net = await client.info('stats');
      return {
        calls,
        usec,
        bytesIn: Number(/total_net_input_bytes:(\d+)/.exec(net)![1]),
        bytesOut: Number(/total_net_output_bytes:(\d+)/.exec(net)![1]),
      };
    };
    const s0 = await stats();
    const t0 = performance.now();
    let done = 0;
    await produce({
      url: redis.url,
      queueName: 'bench',
      graphText: graph.text,
      graphSha256: graph.sha256,
      target,
      items: timed.map((f, i) => ({ key: `bench-${i}`, name: f.name, read: async () => f.bytes })),
      onResult: async () => void done++,
      onFailed: async (_key, message) => {
        throw new Error(`queue item failed: ${message}`);
      },
      sweepMs: 1000,
    });
    const wall = (performance.now() - t0) / 1000;
    const s1 = await stats();
    await worker.close();
    const perItemQueue = (wall * 1000) / timed.length;
    const perItemLocal = 1000 / local[`${best}_1`]!.images_per_s;
    spans.sort((a, b) => a.started - b.started);
    const inWorker = spans.map((x) => x.ended - x.started - x.ms);
    const gaps = spans.slice(1).map((x, i) => x.started - spans[i]!.ended);
    queue = {
      images_per_s: round(timed.length / wall),
      // the runner's IPC is paid by a local batch too: only what the queue adds counts
      overhead_ms_per_item: round(median(inWorker) + median(gaps) - local[`${best}_1`]!.ipc_ms),
      overhead_wall_ms_per_item: round(perItemQueue - perItemLocal),
      worker_ms_per_item: round(median(inWorker) - local[`${best}_1`]!.ipc_ms),
      between_items_ms: round(median(gaps)),
      redis_commands_per_item: round((s1.calls - s0.calls) / timed.length, 1),
      redis_us_per_item: round((s1.usec - s0.usec) / timed.length, 1),
      redis_rtt_ms: round(median(rtts), 3),
      redis_bytes_per_item: Math.round((s1.bytesIn - s0.bytesIn + s1.bytesOut - s0.bytesOut) / timed.length),
    };
    log(
      `queue: ${queue.images_per_s} images/s; overhead ${queue.overhead_ms_per_item} ms/item; ${queue.redis_commands_per_item} Redis commands/item`,
    );
  } finally {
    await pool.close();
    client.disconnect();
    await redis.stop();
  }

  // projection for N machines of 2 free cores, from the measured figures: a queue worker per
  // core, each taking (median item time alone + queue overhead) per image; Redis (single-threaded)
  // caps at 1e6 / its µs per item; the network at 1 Gbit/s at 125e6 / bytes per item. Measured
  // per-item figures, not this session's loaded 2-runner wall clock.
  const CORES_PER_MACHINE = 2;
  const perWorker = 1000 / (local[`${best}_1`]!.median_item_ms + Math.max(0, queue.overhead_ms_per_item!));
  const perMachine = CORES_PER_MACHINE * perWorker;
  const redisCap = 1e6 / Math.max(1, queue.redis_us_per_item!);
  const netCap = 125e6 / Math.max(1, queue.redis_bytes_per_item!);
  const projection = [1, 2, 4, 8, 16, 32, 64, 128, 256].map((machines) => {
    const options = [
      { by: 'workers', rate: machines * perMachine },
      { by: 'redis cpu', rate: redisCap },
      { by: '1 Gbit/s network', rate: netCap },
    ];
    const limit = options.reduce((a, b) => (b.rate < a.rate ? b : a));
    return { machines, images_per_s: round(limit.rate, 1), limited_by: limit.by };
  });

  const browser = BROWSER ? await benchBrowser() : null;

  const result = {
    ...(browser ? { browser } : {}),
    graph: path.relative(ROOT, GRAPH),
    pack: packId,
    images: timed.length,
    images_per_s: Object.fromEntries(Object.entries(local).map(([k, v]) => [k, v.images_per_s])),
    median_item_ms: Object.fromEntries(Object.entries(local).map(([k, v]) => [k, v.median_item_ms])),
    // CPU time per image in the runner: equal with 1 and 2 runners means the runners do not slow
    // each other down; what the wall-clock ratio loses then is cores other processes took
    median_item_cpu_ms: Object.fromEntries(Object.entries(local).map(([k, v]) => [k, v.cpu_ms])),
    two_vs_one_runner: Object.fromEntries(backends.map((b) => [b, ratio(b)])),
    native_vs_wasm: nativeOk
      ? {
          runners_1: round(local.native_1!.images_per_s / local.wasm_1!.images_per_s),
          runners_2: round(local.native_2!.images_per_s / local.wasm_2!.images_per_s),
        }
      : null,
    queue_backend: best,
    queue_images_per_s: queue.images_per_s,
    queue_overhead_ms_per_item: queue.overhead_ms_per_item,
    queue_overhead_wall_ms_per_item: queue.overhead_wall_ms_per_item,
    queue_worker_ms_per_item: queue.worker_ms_per_item,
    queue_between_items_ms: queue.between_items_ms,
    redis_commands_per_item: queue.redis_commands_per_item,
    redis_us_per_item: queue.redis_us_per_item,
    redis_rtt_ms: queue.redis_rtt_ms,
    redis_bytes_per_item: queue.redis_bytes_per_item,
    projection_per_worker_images_per_s: round(perWorker),
    projection,
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model ?? '?',
      loadavg_1min: round(os.loadavg()[0]!),
      node: process.version,
    },
  };
  if (asJson) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  const rows: [string, string][] = [
    ...Object.entries(local).map(([k, v]): [string, string] => [
      `images/s ${k.replace('_', ', ')} runner(s)`,
      `${v.images_per_s} (median item ${v.median_item_ms} ms, ${v.cpu_ms} ms CPU)`,
    ]),
    ...backends.map((b): [string, string] => [`2 runners vs 1 (${b})`, `${ratio(b)}x`]),
    ...(result.native_vs_wasm
      ? [['native vs wasm (1 runner)', `${result.native_vs_wasm.runners_1}x`] as [string, string]]
      : []),
    ['queue images/s (1 worker, 1 runner)', String(queue.images_per_s)],
    [
      'queue overhead per item (median, in the worker)',
      `${queue.overhead_ms_per_item} ms (${queue.worker_ms_per_item} around the runner + ${queue.between_items_ms} between items)`,
    ],
    ['queue overhead per item (wall vs local)', `${queue.overhead_wall_ms_per_item} ms`],
    [
      'Redis commands / µs / bytes per item',
      `${queue.redis_commands_per_item} / ${queue.redis_us_per_item} µs / ${queue.redis_bytes_per_item} B`,
    ],
    ['Redis round trip (loopback)', `${queue.redis_rtt_ms} ms`],
    ...(browser
      ? [
          ['browser batch images/s (20 files, Chromium)', String(browser.images_per_s)] as [string, string],
          [
            'browser main thread: longest task / tasks > 50 ms',
            `${browser.longest_task_ms} ms / ${browser.long_tasks}`,
          ] as [string, string],
        ]
      : []),
    [
      'projection: one worker (item alone + queue overhead)',
      `${round(perWorker)} images/s; a machine = ${CORES_PER_MACHINE} workers`,
    ],
    ...projection.map((p): [string, string] => [
      `projection: ${p.machines} machine(s) of 2 cores`,
      `${p.images_per_s} images/s (${p.limited_by})`,
    ]),
    [
      'machine',
      `${result.machine.cpus} × ${result.machine.model}, load ${result.machine.loadavg_1min} (not quiet when load > 0.5)`,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) console.log(`${k.padEnd(width)}  ${v}`);
}

/** The browser batch in headless Chromium: 20 dropped files, long tasks recorded by the page itself. */
async function benchBrowser(): Promise<{
  images_per_s: number;
  longest_task_ms: number;
  long_tasks: number;
  files: number;
}> {
  const { buildApp, startPreview } = await import('../../test/e2e/lib/server.mjs');
  const { dropBatchFaces, launchProfile, openEditor, waitForSettled } = await import('../../test/e2e/lib/browser.mjs');
  if (!NO_BUILD) {
    log('browser: building the app…');
    await buildApp();
  }
  const server = await startPreview();
  const profile = await launchProfile();
  try {
    const page = profile.page;
    await page.addInitScript(
      `window.__longTasks = []; new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); }).observe({ type: 'longtask', buffered: true });`,
    );
    await openEditor(page, server.url);
    await waitForSettled(page);
    await page.locator('[data-testid="batch"]').click();
    await page.locator('[data-testid="batch-drop"]').waitFor();
    const t0 = await page.evaluate(() => performance.now());
    await dropBatchFaces(page, 19);
    // the first item waits for the batch engine to start: the rate counts from the first result
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid="batch-progress"]')?.textContent?.split('/')[0]) >= 1,
      undefined,
      { timeout: 120_000, polling: 20 },
    );
    const t1 = await page.evaluate(() => performance.now());
    await page.waitForFunction(
      () => document.querySelector('[data-testid="batch-progress"]')?.textContent === '20/20',
      undefined,
      { timeout: 300_000, polling: 50 },
    );
    const t2 = await page.evaluate(() => performance.now());
    const tasks = (await page.evaluate(`window.__longTasks`)) as { start: number; duration: number }[];
    const during = tasks.filter((t) => t.start + t.duration >= t0 && t.start <= t2);
    const out = {
      files: 20,
      images_per_s: round(19 / ((t2 - t1) / 1000)),
      longest_task_ms: round(Math.max(0, ...during.map((t) => t.duration)), 1),
      long_tasks: during.length,
    };
    log(
      `browser: ${out.images_per_s} images/s; longest main-thread task ${out.longest_task_ms} ms (${out.long_tasks} over 50 ms)`,
    );
    return out;
  } finally {
    await profile.close();
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`bench:batch: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);
