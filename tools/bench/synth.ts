// FaceWorld renderer benchmark: median render time per image at 64/128/256 px on the main thread
// and in a worker_thread, a 64-px face-framed render (src/synth/framing.ts), and data set
// throughput with one worker per core.
//   npm run bench:synth [-- --json] [-- --count 400]
import { availableParallelism } from 'node:os';
import { render, renderFramed, sampleAttributes, sampleIdentity, type RenderStyle } from '../../src/synth/index';
import { RenderPool } from '../../src/synth/node/pool';
import type { RenderJob } from '../../src/synth/node/render-worker';

const json = process.argv.includes('--json');
const countArg = process.argv.indexOf('--count');
const datasetCount = countArg >= 0 ? Number(process.argv[countArg + 1]) : 600;
if (!Number.isInteger(datasetCount) || datasetCount < 10)
  throw new Error(`--count: expected a whole number >= 10, got ${process.argv[countArg + 1]}`);

const SIZES = [64, 128, 256];
const median = (a: number[]): number => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const jobs = (n: number, size: number, style: RenderStyle, offset = 0): RenderJob[] =>
  Array.from({ length: n }, (_, i) => ({
    index: i,
    identity: sampleIdentity(offset + i),
    attributes: sampleAttributes(offset + i),
    style,
    size,
    seed: offset + i,
  }));
const repeats = (size: number): number => (size <= 64 ? 40 : size <= 128 ? 24 : 10);

async function main(): Promise<void> {
  const figures: Record<string, number | string> = {};
  // main thread: warm up the JIT, then time photo and cgi renders alternately
  for (const size of SIZES) {
    for (const j of jobs(8, size, 'photo', 1000))
      render(j.identity, j.attributes, { size, style: j.style, seed: j.seed });
    const ms: number[] = [],
      cpu: number[] = [];
    for (const [k, j] of jobs(repeats(size), size, 'photo').entries()) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      render(j.identity, j.attributes, { size, style: k % 2 ? 'cgi' : 'photo', seed: j.seed });
      const c1 = process.cpuUsage(c0);
      ms.push(performance.now() - t0);
      cpu.push((c1.user + c1.system) / 1000);
    }
    figures[`node_ms_${size}`] = +median(ms).toFixed(2);
    // CPU time is robust when other processes share the cores (wall time is not)
    figures[`node_cpu_ms_${size}`] = +median(cpu).toFixed(2);
  }
  // face framing at 64 px (rendered at 128 and cut around the face): what a face-framed pack's
  // Synthetic Pair node pays per image, against the whole-frame node_ms_64 above
  {
    for (const j of jobs(8, 64, 'photo', 1000))
      renderFramed(j.identity, j.attributes, { size: 64, style: j.style, seed: j.seed }, 'face');
    const ms: number[] = [],
      cpu: number[] = [];
    for (const [k, j] of jobs(repeats(64), 64, 'photo').entries()) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      renderFramed(j.identity, j.attributes, { size: 64, style: k % 2 ? 'cgi' : 'photo', seed: j.seed }, 'face');
      const c1 = process.cpuUsage(c0);
      ms.push(performance.now() - t0);
      cpu.push((c1.user + c1.system) / 1000);
    }
    figures.node_ms_64_face = +median(ms).toFixed(2);
    figures.node_cpu_ms_64_face = +median(cpu).toFixed(2);
  }
  // one worker_thread: the same work, timed inside the worker
  const one = new RenderPool(1);
  try {
    for (const size of SIZES) {
      await one.run(jobs(8, size, 'photo', 1000), 8, () => {});
      const ms: number[] = [];
      await one.run(jobs(repeats(size), size, 'photo'), 4, (r) => ms.push(...r.ms));
      figures[`worker_ms_${size}`] = +median(ms).toFixed(2);
    }
  } finally {
    await one.close();
  }
  // data set throughput: 64-px photo images, one worker per core (as `npm run faceworld -- dataset`)
  const cores = availableParallelism();
  const pool = new RenderPool(cores);
  try {
    await pool.run(jobs(cores * 8, 64, 'photo', 2000), 8, () => {});
    const t0 = performance.now();
    await pool.run(jobs(datasetCount, 64, 'photo'), 32, () => {});
    const seconds = (performance.now() - t0) / 1000;
    figures.dataset_workers = cores;
    figures.dataset_images_per_s_64 = +(datasetCount / seconds).toFixed(1);
    figures.dataset_minutes_for_50k_64 = +(50000 / (datasetCount / seconds) / 60).toFixed(1);
  } finally {
    await pool.close();
  }
  figures.cores = cores;
  // how busy the machine was: wall-clock figures are only comparable at similar load
  figures.load_average_1min = +(await import('node:os')).loadavg()[0].toFixed(2);
  if (json) {
    process.stdout.write(JSON.stringify(figures) + '\n');
    return;
  }
  const rows = [
    ['figure', 'value'],
    ...SIZES.map((s) => [`render ${s} px, main thread (median ms)`, String(figures[`node_ms_${s}`])]),
    ...SIZES.map((s) => [`render ${s} px, main thread (median CPU ms)`, String(figures[`node_cpu_ms_${s}`])]),
    [
      'render 64 px face-framed, main thread (median ms / CPU ms)',
      `${figures.node_ms_64_face} / ${figures.node_cpu_ms_64_face}`,
    ],
    ...SIZES.map((s) => [`render ${s} px, worker_thread (median ms)`, String(figures[`worker_ms_${s}`])]),
    [`data set 64 px, ${cores} workers (images/s)`, String(figures.dataset_images_per_s_64)],
    ['50,000 images of 64 px (minutes)', String(figures.dataset_minutes_for_50k_64)],
    ['load average (1 min) at the end', String(figures.load_average_1min)],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) process.stdout.write(`${k.padEnd(w)}  ${v}\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`bench:synth: ${err.message}\n`);
  process.exit(1);
});
