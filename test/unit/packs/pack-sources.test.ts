// The page side of adding packs: streamed download of a pack from its manifest URL (progress,
// every model file fetched relative to the manifest), zips unpacked, pack-file detection for drops,
// and the packs list an exported graph carries.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  downloadPack,
  filesFromPicked,
  isPackFile,
  originOf,
  type DownloadProgress,
} from '../../../src/ui/packs/pack-sources';
import { applyPackListing, formatBytes, packState, withPackRefs } from '../../../src/ui/packs/pack-state';
import { validatePack } from '../../../src/workers/pack/validate';
import { modelsDir } from '../nodes/helpers';

let server: Server;
let base = '';
const requested: string[] = [];

beforeAll(async () => {
  // serves models/ like a static host: Content-Length on every file, 404 otherwise
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    readFile(path.join(modelsDir, decodeURIComponent(req.url ?? '/').replace(/^\/+/, '')))
      .then((bytes) => {
        res.writeHead(200, { 'Content-Length': String(bytes.byteLength) });
        res.end(bytes);
      })
      .catch(() => {
        res.writeHead(404);
        res.end('not found');
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('downloadPack', () => {
  it('fetches the manifest and every model file it names, reporting progress against the manifest sizes', async () => {
    const progress: DownloadProgress[] = [];
    const files = await downloadPack(`${base}/fixture/manifest.json`, (p) => progress.push(p));
    expect(files.map((f) => f.path).sort()).toEqual([
      'delta_decoder.onnx',
      'delta_encoder.onnx',
      'encoder.onnx',
      'generator.onnx',
      'manifest.json',
      'mapping.onnx',
    ]);
    const manifest = JSON.parse(await readFile(path.join(modelsDir, 'fixture/manifest.json'), 'utf8'));
    const total = Object.values(manifest.models as Record<string, { bytes: number }>).reduce((n, m) => n + m.bytes, 0);
    expect(progress.at(-1)).toEqual({ received: total, total, file: 'delta_decoder.onnx' });
    expect(progress.every((p, i) => i === 0 || p.received >= progress[i - 1].received)).toBe(true);
    // what was downloaded is the pack itself: it validates like the folder
    const pack = await validatePack(new Map(files.map((f) => [f.path, f.bytes])), { ort: null });
    expect(pack.manifest.id).toBe('fixture');
  });

  it('names the URL that failed', async () => {
    await expect(downloadPack(`${base}/nothing/manifest.json`, () => undefined)).rejects.toThrow(
      `${base}/nothing/manifest.json: HTTP 404`,
    );
    await expect(downloadPack(`${base}/index.json`, () => undefined)).rejects.toThrow(
      /invalid model pack .*index\.json: format/,
    );
    await expect(downloadPack('::not a url', () => undefined)).rejects.toThrow('"::not a url" is not a URL');
  });
});

describe('picked and dropped files', () => {
  it('unpacks a zip with a top folder, keeps plain files, and says where they came from', async () => {
    const manifest = new Uint8Array(await readFile(path.join(modelsDir, 'fixture/manifest.json')));
    const zip = new File(
      [zipSync({ 'pack/manifest.json': manifest, 'pack/generator.onnx': new Uint8Array([1, 2, 3]) })],
      'pack.zip',
    );
    const files = await filesFromPicked([zip, new File(['x'], 'notes.txt')]);
    expect(files.map((f) => f.path)).toEqual(['pack/manifest.json', 'pack/generator.onnx', 'notes.txt']);
    expect(files[0].bytes).toEqual(manifest);
    expect(originOf([zip])).toBe('zip: pack.zip');
    expect(originOf([new File(['x'], 'a.onnx')])).toBe('local files');
    await expect(filesFromPicked([new File(['not a zip'], 'broken.zip')])).rejects.toThrow(
      /^broken\.zip: not a readable zip archive/,
    );
  });

  it('routes manifest.json, .onnx and .zip to the manager and graphs elsewhere', () => {
    expect(['manifest.json', 'pack/generator.onnx', 'x.ZIP'].every(isPackFile)).toBe(true);
    expect(['edit.dge.json', 'face.png', 'graph.json'].some(isPackFile)).toBe(false);
  });
});

describe('packs named by an exported graph', () => {
  it('lists each pack the nodes use with its sha256 and address; a pack from local files has no address', () => {
    applyPackListing({
      packs: [],
      defaultPack: 'fixture',
      packRefs: [
        { id: 'fixture', sha256: 'a'.repeat(64), url: 'models/fixture/manifest.json' },
        { id: 'mine', sha256: 'b'.repeat(64), url: 'models/mine/manifest.json' },
        { id: 'web', sha256: 'c'.repeat(64), url: 'models/web/manifest.json' },
      ],
      listing: {
        bundled: ['fixture'],
        stored: [
          {
            id: 'mine',
            name: 'Mine',
            bytes: 1,
            files: [],
            manifestSha256: 'b'.repeat(64),
            addedAt: 0,
            origin: 'folder: mine',
          },
          {
            id: 'web',
            name: 'Web',
            bytes: 1,
            files: [],
            manifestSha256: 'c'.repeat(64),
            addedAt: 0,
            origin: 'https://example.org/web/manifest.json',
          },
        ],
        ep: { preference: 'auto', active: 'wasm', variant: null, note: '' },
      },
    });
    const doc = {
      nodes: [
        { params: { pack: 'fixture' } },
        { params: { pack: 'mine' } },
        { params: { pack: 'web' } },
        { params: { pack: 'elsewhere' } },
        { params: { seed: 1 } },
      ],
      packs: [
        { id: 'elsewhere', sha256: 'd'.repeat(64), url: 'https://example.org/elsewhere/manifest.json', note: 'kept' },
      ],
    };
    expect(withPackRefs(doc).packs).toEqual([
      { id: 'elsewhere', sha256: 'd'.repeat(64), url: 'https://example.org/elsewhere/manifest.json', note: 'kept' },
      { id: 'fixture', sha256: 'a'.repeat(64), url: 'models/fixture/manifest.json' },
      { id: 'mine', sha256: 'b'.repeat(64), url: '' },
      { id: 'web', sha256: 'c'.repeat(64), url: 'https://example.org/web/manifest.json' },
    ]);
    expect(packState.stored.map((s) => s.id)).toEqual(['mine', 'web']);
    expect([formatBytes(512), formatBytes(287800), formatBytes(120 * 1024 * 1024), formatBytes(null)]).toEqual([
      '512 B',
      '281 KB',
      '120 MB',
      '?',
    ]);
  });
});
