// Pack download (issue: hostile inputs, failure 5): the manifest is validated before any model
// file is requested, and file names are plain relative names that cannot leave the pack folder.
import { createServer, type Server } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadPack } from '../../../src/ui/packs/pack-sources';
import { packFileProblem, parsePackManifest } from '../../../src/workers/pack/manifest';
import { modelsDir } from '../nodes/helpers';

let server: Server;
let base = '';
let manifestText = '';
const requested: string[] = [];
beforeAll(async () => {
  server = createServer((req, res) => {
    requested.push(req.url ?? '');
    if (req.url === '/packs/p/manifest.json')
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(manifestText);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const hostileNames = [
  'https://other.host/generator.onnx',
  '//other.host/g.onnx',
  '%2e%2e/%2e%2e/secret',
  'sub/../../escape.onnx',
  '/etc/passwd',
  '..\\..\\x.onnx',
  'C:/x.onnx',
  './g.onnx',
  'a//b.onnx',
  'x'.repeat(300),
];

describe('pack manifests are validated before any file is fetched', () => {
  it.each(hostileNames)('a model file named %j is refused and nothing but the manifest is requested', async (name) => {
    const manifest = JSON.parse(await readFile(path.join(modelsDir, 'fixture', 'manifest.json'), 'utf8'));
    manifest.models.generator.file = name;
    manifestText = JSON.stringify(manifest);
    requested.length = 0;
    const err = await downloadPack(`${base}/packs/p/manifest.json`, () => undefined).catch((e: unknown) => e as Error);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/models\.generator\.file: must be a relative path inside the pack/);
    expect(requested).toEqual(['/packs/p/manifest.json']);
  });

  it('the schema names the problem for each kind of bad name, and accepts plain names', () => {
    expect(packFileProblem('generator.onnx')).toBeNull();
    expect(packFileProblem('fp16/generator_fp16.onnx')).toBeNull();
    expect(packFileProblem('sub/../../x')).toBe('has a ".." part');
    expect(packFileProblem('/abs')).toBe('starts with "/"');
    expect(packFileProblem('%2e%2e/x')).toMatch(/has characters other than/);
    const fixture = JSON.parse(JSON.stringify({ format: 'x' }));
    expect(() => parsePackManifest(fixture)).toThrow(/invalid model pack manifest/);
  });

  it('a manifest larger than 1 MB is not read to the end', async () => {
    manifestText = ' '.repeat(2 * 1024 * 1024);
    requested.length = 0;
    await expect(downloadPack(`${base}/packs/p/manifest.json`, () => undefined)).rejects.toThrow(/limit is 1\.0 MB/);
    expect(requested).toEqual(['/packs/p/manifest.json']);
  });
});
