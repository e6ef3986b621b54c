// The headless runner with hostile graphs (issue: hostile inputs, failures 4, 6, 7, 8): it reads
// only embedded assets and what its command line allows, fetches with a timeout and a size cap,
// writes UTF-8 graphs under the shared keyword that reopen in the editor, survives long names,
// and exits non-zero when a node failed whatever its id.
import { createServer, type Server } from 'node:http';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitError, runGraph } from '../../../tools/run-graph';
import { parseGraphFile } from '../../../src/graph/document';
import { readGraphFromPng } from '../../../src/graph/png-metadata';
import { nodeRegistry } from '../../../src/nodes';
import { createReadPolicy, isPrivateHost } from '../../../src/workers/node/read-policy';
import { fetchGuarded, type Resolver } from '../../../src/workers/node/fetch-guarded';
import { lookup } from 'node:dns/promises';
import { hostname } from 'node:os';

let server: Server;
let base = '';
let hits = 0;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === '/endless') {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      const pump = () => {
        while (res.write(chunk)) if (res.destroyed) return;
        res.once('drain', pump);
      };
      res.on('close', () => res.removeAllListeners('drain'));
      pump();
    } else if (req.url === '/silent') {
      // never answers
    } else if (req.url === '/redirect') {
      res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' }).end();
    } else
      res
        .writeHead(200)
        .end(Buffer.from(encode({ width: 8, height: 8, data: new Uint8Array(256).fill(128), channels: 4 })));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

function graph(source: string, extra: { name?: string; filename?: string; loadId?: string } = {}) {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: extra.name ?? 'hostile',
    nodes: [
      {
        id: extra.loadId ?? 'face',
        type: 'load-face',
        params: { pack: 'fixture', source, crop: 'center' },
        position: [0, 0],
      },
      { id: 'save', type: 'save-image', params: { filename: extra.filename ?? 'out.png' }, position: [300, 0] },
    ],
    connections: [
      { id: 'c1', from: { node: extra.loadId ?? 'face', socket: 'image' }, to: { node: 'save', socket: 'image' } },
    ],
  };
}

async function run(doc: unknown, flags: string[] = []) {
  const dir = await mkdtemp(path.join(tmpdir(), 'dge-hostile-'));
  const file = path.join(dir, 'g.dge.json');
  await writeFile(file, JSON.stringify(doc));
  const out = path.join(dir, 'out');
  const lines: string[] = [];
  try {
    const code = await runGraph([file, '--out', out, ...flags], (l) => lines.push(l));
    return { code, lines, out, dir, error: '' };
  } catch (e) {
    if (!(e instanceof ExitError)) throw e;
    return { code: e.code, lines, out, dir, error: e.message };
  }
}

async function facePng(dir: string): Promise<string> {
  const data = new Uint8Array(32 * 32 * 4).map((_, i) => (i % 4 === 3 ? 255 : (i * 37) % 256));
  const file = path.join(dir, 'face.png');
  await writeFile(file, encode({ width: 32, height: 32, data, channels: 4 }));
  return file;
}

describe('the headless runner reads only what its command line allows', () => {
  it.each([
    ['url:/dev/zero', /"\/dev\/zero" is not among the files this run may read/],
    ['url:/etc/passwd', /"\/etc\/passwd" is not among the files this run may read/],
    ['url:file:///etc/passwd', /"file:\/\/\/etc\/passwd" is not among the files/],
    ['url:../../../../../../etc/passwd', /is not among the files this run may read/],
    ['url:/proc/self/environ', /"\/proc\/self\/environ" is not among the files/],
    ['SELF', /is not among the URLs this run may fetch/],
  ])('%s is refused without reading it; the run exits 1 naming why', async (source, message) => {
    const before = hits;
    const r = await run(graph(source === 'SELF' ? `url:${base}/face.png` : source));
    expect(r.code).toBe(1);
    expect(r.lines.join('\n')).toMatch(message);
    expect(r.lines.join('\n')).toMatch(/--allow/);
    expect(hits).toBe(before); // nothing was requested
  });

  it('a file the command line allows is read (relative to the graph), and the run succeeds', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-allowed-'));
    const face = await facePng(dir);
    const file = path.join(dir, 'g.dge.json');
    await writeFile(file, JSON.stringify(graph('url:face.png')));
    const out = path.join(dir, 'out');
    expect(await runGraph([file, '--out', out, '--allow', face, '--quiet'])).toBe(0);
    expect(await readdir(out)).toContain('out.png');
  });

  it('a private address is not fetched even with --allow-network, unless named', async () => {
    const before = hits;
    const r = await run(graph(`url:${base}/face.png`), ['--allow-network']);
    expect(r.code).toBe(1);
    expect(r.lines.join('\n')).toMatch(/is a local or private address/);
    expect(hits).toBe(before);
    const named = await run(graph(`url:${base}/face.png`), ['--allow', `${base}/`]);
    expect(named.code).toBe(0);
    expect(hits).toBe(before + 1);
  });

  it('network reads have a size cap, a timeout and refuse redirects', async () => {
    const policy = createReadPolicy({ allow: [`${base}/`], maxBytes: 1 << 20, timeoutMs: 800 });
    const t0 = performance.now();
    await expect(policy.read(`${base}/endless`)).rejects.toThrow(/sends more than 1\.0 MB/);
    await expect(policy.read(`${base}/silent`)).rejects.toThrow(/did not answer within 0\.8 s/);
    expect(performance.now() - t0).toBeLessThan(8000);
    await expect(policy.read(`${base}/redirect`)).rejects.toThrow(/redirects elsewhere/);
    expect(
      [
        'localhost',
        '127.0.0.1',
        '10.1.2.3',
        '192.168.0.1',
        '172.20.0.1',
        '169.254.169.254',
        '[::1]',
        '2130706433',
        '0x7f000001',
      ].every(isPrivateHost),
    ).toBe(true);
    expect(isPrivateHost('example.com')).toBe(false);
  });

  it('with --allow-network, a public-looking name that resolves to a private address is not fetched', async () => {
    const port = new URL(base).port;
    // a DNS answer pointing a public name at this machine (what a rebinding or a hostile zone gives)
    const toLoopback: Resolver = (_host, options, callback) =>
      'all' in options && options.all
        ? callback(null, [{ address: '127.0.0.1', family: 4 }])
        : callback(null, '127.0.0.1', 4);
    const before = hits;
    const policy = createReadPolicy({ network: true, resolve: toLoopback, timeoutMs: 2000 });
    await expect(policy.read(`http://faces.example.com:${port}/face.png`)).rejects.toThrow(
      /faces\.example\.com resolves to 127\.0\.0\.1, a local or private address/,
    );
    // the system's own resolver: this machine's name resolves to one of its own addresses
    const own = await lookup(hostname()).catch(() => null);
    if (own && isPrivateHost(own.address)) {
      await expect(
        createReadPolicy({ network: true, timeoutMs: 2000 }).read(`http://${hostname()}:${port}/face.png`),
      ).rejects.toThrow(/resolves to .*, a local or private address/);
    }
    expect(hits).toBe(before);
  });

  it('the guarded fetch reads a body, and keeps the size cap, the timeout and the refusal of redirects', async () => {
    const options = { maxBytes: 1 << 20, timeoutMs: 800, refuse: () => false };
    const png = await fetchGuarded(`${base}/face.png`, options);
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    await expect(fetchGuarded(`${base}/endless`, options)).rejects.toThrow(/sends more than 1\.0 MB/);
    await expect(fetchGuarded(`${base}/silent`, options)).rejects.toThrow(/did not answer within 0\.8 s/);
    await expect(fetchGuarded(`${base}/redirect`, options)).rejects.toThrow(/redirects elsewhere/);
  });

  it('a file that is not regular (a device) is refused even when allowed', async () => {
    await expect(createReadPolicy({ allow: ['/dev'] }).read('/dev/zero')).rejects.toThrow(/not a regular file/);
  });
});

describe('headless output', () => {
  const names = ['😀 Émoji 顔', 'e\u0301 NFD', '\u202eRTL override', 'zero\u200dwidth', 'Z͑ͫ̓ͪ̂ͫ̽͏̴̙̤̞͉͚̯̞̠͍', 'Привет'];
  it.each(names)('a graph named %j runs, and its PNG reopens in the editor with the name intact', async (name) => {
    const r = await run({ ...graph('sample:1', { name, loadId: 'лицо-顔' }) }, ['--quiet']);
    expect(r.error).toBe('');
    expect(r.code).toBe(0);
    const text = readGraphFromPng(await readFile(path.join(r.out, 'out.png')));
    expect(text).not.toBeNull();
    const reopened = parseGraphFile(text!, nodeRegistry);
    expect(reopened.ok).toBe(true);
    if (reopened.ok) expect(reopened.doc.nodes[0]!.id).toBe('лицо-顔');
  });

  it('a 300-character Save Image name is shortened, not a crash', async () => {
    const r = await run(graph('sample:1', { filename: `${'n'.repeat(300)}.png` }), ['--quiet']);
    expect(r.code).toBe(0);
    const files = await readdir(r.out);
    expect(files.some((f) => f.length <= 124 && f.startsWith('nnnn') && f.endsWith('.png'))).toBe(true);
  });

  it('a failing node whose id is "__proto__" makes the run exit 1', async () => {
    const text = JSON.stringify(graph('asset:missing', { loadId: 'X_ID' })).replace(/X_ID/g, '__proto__');
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-proto-'));
    const file = path.join(dir, 'g.dge.json');
    await writeFile(file, text);
    const err = await runGraph([file, '--out', path.join(dir, 'out'), '--quiet']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExitError);
    expect((err as ExitError).code).toBe(1);
    expect((err as ExitError).message).toMatch(/__proto__: Load Face: the graph has no image asset "missing"/);
  });
});
