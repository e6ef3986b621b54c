// What the main thread's long tasks consist of, from a Chromium performance trace (`npx tsx
// tools/bench/trace-tasks.ts [--no-build] --case cold|link400|graph10k|slider [--min 50]
// [--out trace.json]`). For every main-thread task over `--min` ms it prints the time by kind of
// work (script compile, module evaluation, style, layout, paint, GC, …, self time of each trace
// event) and the JavaScript functions with the most inclusive time in it (the trace's own CPU
// samples, so no clock alignment is needed). Cases: the cold start (navigation → first edited
// image), a share link with 400 wires between two unknown-type nodes, a dropped 10,000-node graph
// and 20 Scale slider changes — the same inputs as `npm run bench` (tools/bench/editor.ts).
import { writeFile } from 'node:fs/promises';
import { buildApp, startPreview } from '../../test/e2e/lib/server.mjs';
import { SEL, launchProfile, waitForImage, waitForSettled } from '../../test/e2e/lib/browser.mjs';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const which = opt('--case', 'cold');
const minMs = Number(opt('--min', '50'));

type TraceEvent = {
  name: string;
  cat: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  id?: string;
  args?: any;
};

const CATEGORIES = [
  'toplevel',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8',
  'v8.execute',
  'blink',
  'loading',
  'disabled-by-default-v8.cpu_profiler',
  'disabled-by-default-v8.gc',
].join(',');

/** Graph files as in tools/bench/editor.ts. */
function bigGraph(count: number) {
  const nodes: unknown[] = [];
  const connections: unknown[] = [];
  for (let i = 0; i < count; i += 2) {
    const row = Math.floor(i / 20);
    const col = i % 20;
    nodes.push({
      id: `r${i}`,
      type: 'random-face',
      params: { pack: 'fixture', seed: i },
      position: [col * 260, row * 220],
    });
    nodes.push({ id: `g${i}`, type: 'generate', params: { pack: 'fixture' }, position: [(col + 1) * 260, row * 220] });
    connections.push({
      id: `c${i}`,
      from: { node: `r${i}`, socket: 'latent' },
      to: { node: `g${i}`, socket: 'latent' },
    });
  }
  return { format: 'delta-studio/graph', version: 1, name: 'big', nodes, connections, packs: [], assets: {} };
}

function placeholderGraph(wires: number) {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: `${wires} wires between placeholders`,
    nodes: [
      { id: 'a', type: 'unknown-kind', params: {}, position: [0, 0] },
      { id: 'b', type: 'unknown-kind', params: {}, position: [400, 0] },
    ],
    connections: Array.from({ length: wires }, (_, i) => ({
      id: `c${i}`,
      from: { node: 'a', socket: `o${i}` },
      to: { node: 'b', socket: `i${i}` },
    })),
    packs: [],
    assets: {},
  };
}

const waitForNodes = (expected: number) =>
  `new Promise((resolve) => { const tick = () => { const c = document.querySelector('[data-testid="editor-canvas"]');
   if (c && Number(c.dataset.graphNodes) >= ${expected} && c.getAttribute('aria-busy') !== 'true') resolve(); else requestAnimationFrame(tick); }; tick(); })`;

async function main() {
  if (!args.includes('--no-build')) await buildApp();
  const server = await startPreview();
  const profile = await launchProfile();
  const events: TraceEvent[] = [];
  try {
    const page = profile.page;
    const browser = page.context().browser();
    const cdp = await page.context().newCDPSession(page);
    let url = server.url;
    if (which === 'link400') {
      const { encodeGraphToFragment } = await import('../../src/graph/share-url');
      const encoded = encodeGraphToFragment(placeholderGraph(400) as never);
      if (!encoded.ok) throw new Error(encoded.error);
      url += encoded.fragment;
    }
    const warmUp = which === 'graph10k' || which === 'slider';
    if (warmUp) {
      await page.goto(url, { waitUntil: 'load' });
      await waitForImage(page, SEL.preview('generate'), { timeout: 120_000 });
      await waitForSettled(page);
    }
    void browser;
    const done = new Promise<void>((resolve) => {
      cdp.on('Tracing.dataCollected', (m: any) => events.push(...m.value));
      cdp.on('Tracing.tracingComplete', () => resolve());
    });
    await cdp.send('Tracing.start', { categories: CATEGORIES, transferMode: 'ReportEvents' } as never);
    if (which === 'cold') {
      await page.goto(url, { waitUntil: 'load' });
      await waitForImage(page, SEL.preview('generate'), { timeout: 120_000 });
      await page.waitForTimeout(1500);
    } else if (which === 'link400') {
      await page.goto(url, { waitUntil: 'load' });
      await page.evaluate((w) => (0, eval)(w), waitForNodes(2));
      await page.waitForTimeout(1500);
    } else if (which === 'graph10k') {
      await page.evaluate(
        (json) => {
          (window as any).__dropFile = new File([json], 'big.dge.json', { type: 'application/json' });
        },
        JSON.stringify(bigGraph(10_000)),
      );
      await page.waitForTimeout(200);
      await page.evaluate(() => {
        const target = document.querySelector('[data-testid="editor-canvas"]')!;
        const dt = new DataTransfer();
        dt.items.add((window as any).__dropFile);
        for (const type of ['dragenter', 'dragover', 'drop'])
          target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      });
      await page.evaluate((w) => (0, eval)(w), waitForNodes(10_000));
      await page.waitForTimeout(1500);
    } else if (which === 'slider') {
      const spec = await page
        .locator(`${SEL.node('scale')} input[type="range"]`)
        .first()
        .evaluate((el: HTMLInputElement) => ({ min: Number(el.min), max: Number(el.max) }));
      for (let i = 1; i <= 20; i++) {
        const v = spec.min + ((spec.max - spec.min) * i) / 21;
        await page.evaluate((value) => {
          const el = document.querySelector('[data-node-type="scale"] input[type="range"]') as HTMLInputElement;
          el.value = String(value);
          el.dispatchEvent(new Event('input', { bubbles: true }));
          el.dispatchEvent(new Event('change', { bubbles: true }));
        }, v);
        await page.waitForTimeout(100);
        await waitForSettled(page);
      }
    } else throw new Error(`unknown --case ${which}`);
    await cdp.send('Tracing.end');
    await done;
  } finally {
    await profile.close();
    await server.stop();
  }
  if (args.includes('--out')) await writeFile(opt('--out', ''), JSON.stringify({ traceEvents: events }));
  report(events);
}

function report(events: TraceEvent[]) {
  // the renderer's main thread: the one named CrRendererMain that ran the most
  const names = events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  let main: { pid: number; tid: number } | null = null;
  let best = -1;
  for (const n of names) {
    const busy = events
      .filter((e) => e.pid === n.pid && e.tid === n.tid && e.ph === 'X' && e.name === 'RunTask')
      .reduce((s, e) => s + (e.dur ?? 0), 0);
    if (busy > best) [best, main] = [busy, { pid: n.pid, tid: n.tid }];
  }
  if (!main) throw new Error('no renderer main thread in the trace');
  const onMain = events
    .filter((e) => e.pid === main!.pid && e.tid === main!.tid && e.ph === 'X' && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // top-level tasks only (a ThreadControllerImpl::RunTask holds a RunTask of the same span)
  const tasks: TraceEvent[] = [];
  for (const e of onMain) {
    if (e.name !== 'RunTask' && e.name !== 'ThreadControllerImpl::RunTask') continue;
    const last = tasks[tasks.length - 1];
    if (last && e.ts < last.ts + last.dur!) continue;
    tasks.push(e);
  }
  const long = tasks.filter((t) => t.dur! / 1000 >= minMs);
  // CPU samples of the main thread, in trace time
  const samples = cpuSamples(events, main.pid, main.tid);
  const t0 = tasks[0]?.ts ?? 0;
  console.log(
    `${tasks.length} main-thread tasks, ${long.length} of ${minMs} ms or more; longest ${(Math.max(0, ...tasks.map((t) => t.dur!)) / 1000).toFixed(1)} ms`,
  );
  for (const task of long.sort((a, b) => b.dur! - a.dur!).slice(0, 6)) {
    const end = task.ts + task.dur!;
    const inside = onMain.filter((e) => e !== task && e.ts >= task.ts && e.ts + e.dur! <= end);
    // self time per event name: an event's duration less its direct children's
    const self = new Map<string, number>();
    const stack: TraceEvent[] = [];
    const add = (name: string, us: number) => self.set(name, (self.get(name) ?? 0) + us);
    for (const e of inside) {
      while (stack.length && stack[stack.length - 1]!.ts + stack[stack.length - 1]!.dur! <= e.ts) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) add(label(parent), -e.dur!);
      add(label(e), e.dur!);
      stack.push(e);
    }
    const childTotal = inside
      .filter((e) => !inside.some((p) => p !== e && p.ts <= e.ts && p.ts + p.dur! >= e.ts + e.dur! && p.dur! > e.dur!))
      .reduce((s, e) => s + e.dur!, 0);
    add('(task, outside any event)', task.dur! - childTotal);
    console.log(`\n=== task of ${(task.dur! / 1000).toFixed(1)} ms at +${((task.ts - t0) / 1000).toFixed(0)} ms`);
    for (const [k, v] of [...self].filter(([, v]) => v >= 500).sort((a, b) => b[1] - a[1]))
      console.log(`${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
    const incl = new Map<string, number>();
    for (const s of samples) {
      if (s.ts < task.ts || s.ts > end) continue;
      for (const f of new Set(s.stack)) incl.set(f, (incl.get(f) ?? 0) + s.dur);
    }
    const leaf = new Map<string, number>();
    for (const s of samples)
      if (s.ts >= task.ts && s.ts <= end && s.stack[0]) leaf.set(s.stack[0], (leaf.get(s.stack[0]) ?? 0) + s.dur);
    console.log('  JS (self, sampled):');
    for (const [k, v] of [...leaf].sort((a, b) => b[1] - a[1]).slice(0, 8))
      console.log(`${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
    console.log('  JS (inclusive, sampled):');
    for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 25))
      console.log(`${(v / 1000).toFixed(1).padStart(8)}  ${k}`);
  }
}

function label(e: TraceEvent): string {
  const d = e.args?.data ?? e.args?.beginData;
  if (e.name === 'EvaluateScript' || e.name === 'v8.compile' || e.name === 'v8.compileModule')
    return `${e.name} ${String(d?.url ?? e.args?.fileName ?? '')
      .split('/')
      .pop()}`;
  if (e.name === 'FunctionCall')
    return `FunctionCall ${d?.functionName || ''} ${String(d?.url ?? '')
      .split('/')
      .pop()}`;
  if (e.name === 'v8.evaluateModule')
    return `v8.evaluateModule ${String(e.args?.data?.url ?? '')
      .split('/')
      .pop()}`;
  return e.name;
}

/** The main thread's CPU samples from the trace's ProfileChunk events: time, duration and the frame labels of its stack. */
function cpuSamples(events: TraceEvent[], pid: number, tid: number) {
  const profiles = new Map<string, { start: number; nodes: Map<number, any>; samples: number[]; deltas: number[] }>();
  for (const e of events) {
    if (e.pid !== pid) continue;
    if (e.name === 'Profile' && e.tid === tid)
      profiles.set(e.id!, { start: e.args.data.startTime, nodes: new Map(), samples: [], deltas: [] });
    if (e.name === 'ProfileChunk') {
      const p = profiles.get(e.id!);
      if (!p) continue;
      const cpu = e.args.data.cpuProfile ?? {};
      for (const n of cpu.nodes ?? []) p.nodes.set(n.id, n);
      p.samples.push(...(cpu.samples ?? []));
      p.deltas.push(...(e.args.data.timeDeltas ?? []));
    }
  }
  const out: { ts: number; dur: number; stack: string[] }[] = [];
  for (const p of profiles.values()) {
    let t = p.start;
    const times = p.deltas.map((d) => (t += d));
    p.samples.forEach((id, i) => {
      const stack: string[] = [];
      for (let n = p.nodes.get(id); n; n = n.parent !== undefined ? p.nodes.get(n.parent) : undefined) {
        const f = n.callFrame;
        stack.push(
          `${f.functionName || '(anon)'} ${String(f.url ?? '')
            .split('/')
            .pop()}:${f.lineNumber ?? ''}`,
        );
      }
      out.push({ ts: times[i]!, dur: (times[i + 1] ?? times[i]! + 500) - times[i]!, stack });
    });
  }
  return out;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
