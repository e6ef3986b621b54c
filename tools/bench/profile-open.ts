// Chromium CPU profile of dropping a generated graph on the editor (`npx tsx tools/bench/profile-open.ts
// [--no-build] [--graph ring|grid] [--nodes N] [--seconds S] [--out file.cpuprofile]`): prints the
// functions with the most self time, and writes the profile for DevTools when `--out` is given.
import { writeFile } from 'node:fs/promises';
import { buildApp, startPreview } from '../../test/e2e/lib/server.mjs';
import { SEL, launchProfile, waitForImage, waitForSettled } from '../../test/e2e/lib/browser.mjs';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const kind = opt('--graph', 'ring');
const count = Number(opt('--nodes', '3000'));
const seconds = Number(opt('--seconds', '20'));

function graph() {
  const nodes: unknown[] = [];
  const connections: unknown[] = [];
  for (let i = 0; i < count; i++) {
    const a = (2 * Math.PI * i) / count;
    const r = (count * 300) / (2 * Math.PI);
    const position =
      kind === 'ring'
        ? [Math.round(r * Math.cos(a)), Math.round(r * Math.sin(a))]
        : [(i % 20) * 260, Math.floor(i / 20) * 220];
    nodes.push(
      kind === 'grid'
        ? { id: `s${i}`, type: i % 2 ? 'generate' : 'random-face', params: {}, position }
        : { id: `s${i}`, type: 'scale', params: {}, position },
    );
    if (kind === 'ring')
      connections.push({
        id: `w${i}`,
        from: { node: `s${i}`, socket: 'delta' },
        to: { node: `s${(i + 1) % count}`, socket: 'delta' },
      });
    else if (i % 2 && kind === 'grid')
      connections.push({
        id: `w${i}`,
        from: { node: `s${i - 1}`, socket: 'latent' },
        to: { node: `s${i}`, socket: 'latent' },
      });
  }
  return { format: 'delta-studio/graph', version: 1, name: 'profiled', nodes, connections, packs: [], assets: {} };
}

async function main() {
  if (!args.includes('--no-build')) await buildApp();
  const server = await startPreview();
  const profile = await launchProfile();
  try {
    const page = profile.page;
    const cold = args.includes('--cold');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
    const observeLongTasks = `
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
      }).observe({ type: 'longtask', buffered: true });`;
    if (cold) {
      // the cold start itself: profiled from navigation to the first edited image
      await page.context().addInitScript(observeLongTasks);
      await cdp.send('Profiler.start');
      await page.goto(server.url, { waitUntil: 'load' });
      await waitForImage(page, SEL.preview('generate'), { timeout: 120_000 });
    } else {
      await page.goto(server.url, { waitUntil: 'load' });
      await waitForImage(page, SEL.preview('generate'), { timeout: 120_000 });
      await waitForSettled(page);
      await cdp.send('Profiler.start');
      await page.evaluate((script) => (0, eval)(script), observeLongTasks);
    }
    // a 5-ms busy loop under a known name: where it lies in the profile aligns its clock with performance.now()
    const markerAt = await page.evaluate(() => {
      const fn = (0, eval)(
        '(function benchClockMarker() { const t = performance.now(); while (performance.now() - t < 5) {} return t; })',
      );
      return fn() as number;
    });
    if (!cold)
      await page.evaluate((json) => {
        const target = document.querySelector('[data-testid="editor-canvas"]')!;
        const dt = new DataTransfer();
        dt.items.add(new File([json], 'g.dge.json', { type: 'application/json' }));
        for (const type of ['dragenter', 'dragover', 'drop'])
          target.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }, JSON.stringify(graph()));
    await page.waitForTimeout(seconds * 1000);
    const { profile: cpu } = (await cdp.send('Profiler.stop')) as { profile: any };
    if (args.includes('--out')) await writeFile(opt('--out', ''), JSON.stringify(cpu));
    const self = new Map<string, number>();
    const dt = cpu.timeDeltas as number[];
    const byId = new Map<number, any>(cpu.nodes.map((n: any) => [n.id, n]));
    cpu.samples.forEach((id: number, i: number) => {
      const n = byId.get(id);
      const f = n.callFrame;
      const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
    });
    const total = [...self.values()].reduce((a, b) => a + b, 0);
    console.log(
      `total ${total.toFixed(0)} ms; nodes in editor: ${await page.evaluate(() => document.querySelector('[data-testid="editor-canvas"]')?.getAttribute('data-graph-nodes'))}`,
    );
    for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(v.toFixed(0).padStart(8), k);
    // the longest main-thread tasks, by inclusive time of what ran in them
    const parentOf = new Map<number, number>();
    for (const n of cpu.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
    const times: number[] = [];
    let t = cpu.startTime as number;
    for (const d of dt) times.push((t += d));
    const markerSample = cpu.samples.findIndex((id: number) => {
      for (let x: number | undefined = id; x !== undefined; x = parentOf.get(x))
        if (byId.get(x).callFrame.functionName === 'benchClockMarker') return true;
      return false;
    });
    const offsetMs = markerSample >= 0 ? times[markerSample]! / 1000 - markerAt : NaN;
    const tasks = ((await page.evaluate(() => (window as any).__longTasks)) as { start: number; duration: number }[])
      .sort((a, b) => b.duration - a.duration)
      .slice(0, 5);
    for (const task of tasks) {
      const incl = new Map<string, number>();
      cpu.samples.forEach((id: number, i: number) => {
        const at = times[i]! / 1000 - offsetMs;
        if (at < task.start || at > task.start + task.duration) return;
        const seen = new Set<string>();
        for (let x: number | undefined = id; x !== undefined; x = parentOf.get(x)) {
          const f = byId.get(x).callFrame;
          const key = `${f.functionName || '(anon)'} ${f.url.split('/').pop()}:${f.lineNumber}`;
          if (seen.has(key)) continue;
          seen.add(key);
          incl.set(key, (incl.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
        }
      });
      console.log(`=== long task of ${task.duration.toFixed(0)} ms at ${task.start.toFixed(0)}`);
      for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log(v.toFixed(0).padStart(8), k);
    }
    if (args.includes('--stretches')) {
      // busy stretches (consecutive non-idle samples, roughly a task): the longest ones, by inclusive time
      const parent = new Map<number, number>();
      for (const n of cpu.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
      const label = (n: any) =>
        `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      const runs: { start: number; ms: number; samples: number[] }[] = [];
      let run: (typeof runs)[number] | null = null;
      cpu.samples.forEach((id: number, i: number) => {
        const name = byId.get(id).callFrame.functionName;
        const ms = (dt[i] ?? 0) / 1000;
        if (name === '(idle)') {
          run = null;
          return;
        }
        if (!run) runs.push((run = { start: i, ms: 0, samples: [] }));
        run.ms += ms;
        run.samples.push(i);
      });
      for (const r of runs.sort((a, b) => b.ms - a.ms).slice(0, 4)) {
        const incl = new Map<string, number>();
        for (const i of r.samples) {
          const seen = new Set<string>();
          for (let id: number | undefined = cpu.samples[i]; id !== undefined; id = parent.get(id)) {
            const key = label(byId.get(id));
            if (seen.has(key)) continue;
            seen.add(key);
            incl.set(key, (incl.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
          }
        }
        console.log(`--- busy stretch of ${r.ms.toFixed(0)} ms`);
        for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, 22))
          console.log(v.toFixed(0).padStart(8), k);
      }
    }
  } finally {
    await profile.close();
    await server.stop();
  }
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
