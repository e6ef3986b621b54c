// Shared by the batch tests: a folder of small face PNGs (a few FaceWorld renders with per-file
// noise, so every file differs) with some corrupt files among them, a graph on the fixture pack,
// the CLI run as real processes, and a real redis-server on a free loopback port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { facePng } from '../../../tools/batch/faces';

export { facePng };

export const root = fileURLToPath(new URL('../../../', import.meta.url));
/** tsx's loader by absolute URL, so a tool also starts in a folder of its own (a worker without the repo as cwd) */
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** Load Face -> GAN Inversion -> Generate -> Save Image, and Compare (PSNR) of input and output, on the fixture pack. */
export function fixtureGraph() {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 'batch test',
    packs: [],
    assets: {},
    nodes: [
      {
        id: 'face',
        type: 'load-face',
        params: { pack: 'fixture', source: 'sample:1', crop: 'center', face: 0 },
        position: [0, 0],
      },
      {
        id: 'invert',
        type: 'gan-inversion',
        params: { pack: 'fixture', refineSteps: 0, refineRate: 0.05 },
        position: [200, 0],
      },
      { id: 'generate', type: 'generate', params: { pack: 'fixture' }, position: [400, 0] },
      { id: 'compare', type: 'compare', params: { identity: false }, position: [600, 100] },
      { id: 'save', type: 'save-image', params: { filename: 'edited.png' }, position: [600, 0] },
    ],
    connections: [
      { id: 'c1', from: { node: 'face', socket: 'image' }, to: { node: 'invert', socket: 'image' } },
      { id: 'c2', from: { node: 'invert', socket: 'latent' }, to: { node: 'generate', socket: 'latent' } },
      { id: 'c3', from: { node: 'generate', socket: 'image' }, to: { node: 'save', socket: 'image' } },
      { id: 'c4', from: { node: 'face', socket: 'image' }, to: { node: 'compare', socket: 'a' } },
      { id: 'c5', from: { node: 'generate', socket: 'image' }, to: { node: 'compare', socket: 'b' } },
    ],
  };
}

/** The five kinds of broken file a folder of photos picks up. */
export const CORRUPT: [string, Uint8Array][] = [
  ['corrupt-empty.png', new Uint8Array(0)],
  ['corrupt-text.jpg', new TextEncoder().encode('this is not a picture')],
  ['corrupt-random.png', Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 255)],
  ['corrupt-truncated.png', new Uint8Array(0)], // filled in from a real PNG below
  ['corrupt-header-only.jpg', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0])],
];

/** Writes `count` face PNGs (face-000.png …) and the corrupt files into `dir`; returns the corrupt names. */
export async function writeFaces(dir: string, count: number, corrupt = CORRUPT.length): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i++) await writeFile(path.join(dir, `face-${String(i).padStart(3, '0')}.png`), facePng(i));
  const names: string[] = [];
  for (const [name, bytes] of CORRUPT.slice(0, corrupt)) {
    await writeFile(path.join(dir, name), name === 'corrupt-truncated.png' ? facePng(0).subarray(0, 60) : bytes);
    names.push(name);
  }
  return names;
}

export interface Proc {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  exited: Promise<number | null>;
  /** resolves when stderr matches (a tool's status lines go there) */
  waitForStderr(re: RegExp, timeoutMs?: number): Promise<void>;
  /** resolves when a stdout line satisfies the test */
  waitFor(test: (line: string, lines: string[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** Runs a tool (tools/<name>.ts) in Node with tsx as the loader: the pid is the tool itself (kill -9 hits it). */
export function tool(name: string, args: string[], options: { cwd?: string } = {}): Proc {
  const child = spawn(process.execPath, ['--import', TSX, path.join(root, 'tools', `${name}.ts`), ...args], {
    cwd: options.cwd ?? root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  const proc: Proc = {
    child,
    stdout: [],
    stderr: '',
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
    waitForStderr: async (re, timeoutMs = 60_000) => {
      const until = Date.now() + timeoutMs;
      while (!re.test(proc.stderr)) {
        if (child.exitCode !== null || Date.now() > until)
          throw new Error(`${name} never printed ${re} on stderr: ${proc.stderr.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    waitFor: (test, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const check = () => proc.stdout.some((l) => test(l, proc.stdout));
        if (check()) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for output of ${name}; stderr: ${proc.stderr.slice(-2000)}`)),
          timeoutMs,
        );
        const onLine = () => {
          if (check()) {
            clearTimeout(timer);
            child.stdout!.off('data', onLine);
            resolve();
          }
        };
        child.stdout!.on('data', onLine);
        child.on('exit', () =>
          setTimeout(
            () =>
              check()
                ? resolve()
                : reject(new Error(`${name} exited before the awaited output; stderr: ${proc.stderr.slice(-2000)}`)),
            50,
          ),
        );
      }),
  };
  let partial = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    proc.stdout.push(...parts.filter((l) => l.trim()));
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (proc.stderr += chunk));
  return proc;
}

/** Parsed JSON lines of a process's stdout. */
export const jsonLines = (p: Proc) =>
  p.stdout.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

export { startRedis, type RedisServer } from '../../../tools/batch/redis-server';
