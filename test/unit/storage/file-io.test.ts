// importFile runs in Node too (File and Blob are globals there): the browser-only parts of
// file-io (downloads, canvas) are covered by the end-to-end specs.
import { describe, expect, it } from 'vitest';
import { encode } from 'fast-png';
import { importFile, fileBaseName } from '../../../src/ui/io/file-io';
import { embedGraphInPng } from '../../../src/graph/png-metadata';
import { serializeGraph, type GraphDocument } from '../../../src/graph/document';
import { nodeRegistry } from '../../../src/nodes';

function graph(): GraphDocument {
  return {
    format: 'delta-studio/graph',
    version: 1,
    name: 'Round trip',
    nodes: [
      { id: 'face', type: 'load-face', params: { source: 'asset:me', pack: 'fixture' }, position: [0, 0] },
      { id: 'inv', type: 'gan-inversion', params: { pack: 'fixture' }, position: [220, 0] },
      { id: 'gen', type: 'generate', params: { pack: 'fixture' }, position: [440, 0] },
    ],
    connections: [
      { id: 'c1', from: { node: 'face', socket: 'image' }, to: { node: 'inv', socket: 'image' } },
      { id: 'c2', from: { node: 'inv', socket: 'latent' }, to: { node: 'gen', socket: 'latent' } },
    ],
    packs: [],
    assets: { me: { mime: 'image/png', name: 'me.png', data: 'iVBORw0KGgo=' } },
  } as GraphDocument;
}

function tinyPng(): Uint8Array {
  const data = new Uint8Array(4 * 4 * 4).map((_, i) => (i * 37) % 256);
  return encode({ width: 4, height: 4, data, channels: 4, depth: 8 });
}

const file = (parts: BlobPart[], name: string, type = '') => new File(parts, name, { type });

describe('importFile', () => {
  it('opens a .dge.json with its embedded image asset', async () => {
    const text = serializeGraph(graph());
    const result = await importFile(file([text], 'round.dge.json', 'application/json'), nodeRegistry);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.doc.name).toBe('Round trip');
    expect(result.doc.assets.me!.data).toBe('iVBORw0KGgo=');
    expect(result.doc.connections).toHaveLength(2);
  });

  it('opens the graph embedded in a PNG, identical to the original', async () => {
    const png = embedGraphInPng(tinyPng(), serializeGraph(graph()));
    const direct = await importFile(file([serializeGraph(graph())], 'a.dge.json'), nodeRegistry);
    const fromPng = await importFile(file([png as Uint8Array<ArrayBuffer>], 'result.png', 'image/png'), nodeRegistry);
    expect(fromPng.ok && direct.ok).toBe(true);
    if (!fromPng.ok || !direct.ok) return;
    expect(fromPng.doc).toEqual(direct.doc);
  });

  it('uses the bundled node registry when none is passed', async () => {
    const result = await importFile(file([serializeGraph(graph())], 'a.dge.json'));
    expect(result.ok).toBe(true);
  });

  it('refuses a PNG without a graph and says how to use it as a face', async () => {
    const result = await importFile(
      file([tinyPng() as Uint8Array<ArrayBuffer>], 'photo.png', 'image/png'),
      nodeRegistry,
    );
    expect(result).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^photo\.png: this PNG carries no Delta Studio graph.*Load Face/)],
    });
  });

  it('refuses a corrupt PNG naming the problem', async () => {
    const png = embedGraphInPng(tinyPng(), serializeGraph(graph()));
    const broken = png.slice(0, png.length - 20);
    const result = await importFile(file([broken], 'cut.png'), nodeRegistry);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors[0]).toMatch(/^cut\.png: PNG is truncated/);
  });

  it('refuses invalid JSON, wrong types and binary junk with the file name and the path', async () => {
    const invalid = await importFile(file(['{"format": "delta-studio/graph", '], 'broken.dge.json'), nodeRegistry);
    expect(invalid).toEqual({ ok: false, errors: [expect.stringMatching(/^broken\.dge\.json: invalid JSON/)] });

    const wrong = graph() as unknown as { nodes: { position: unknown }[] };
    wrong.nodes[1]!.position = 'left';
    const typed = await importFile(file([JSON.stringify(wrong)], 'typed.dge.json'), nodeRegistry);
    expect(typed.ok).toBe(false);
    if (!typed.ok) expect(typed.errors.join('\n')).toMatch(/^typed\.dge\.json: nodes\[1\]\.position: /m);

    const junk = await importFile(
      file([new Uint8Array([0xff, 0xfe, 0x00, 0x80, 0x81])], 'junk.dge.json'),
      nodeRegistry,
    );
    expect(junk).toEqual({ ok: false, errors: [expect.stringMatching(/^junk\.dge\.json: not a text file/)] });

    const jpeg = await importFile(file([new Uint8Array([0xff, 0xd8, 0xff])], 'face.jpg', 'image/jpeg'), nodeRegistry);
    expect(jpeg.ok).toBe(false);
  });

  it('refuses a file over the size limit before reading it', async () => {
    const huge = {
      name: 'huge.dge.json',
      size: 50 * 1024 * 1024,
      type: '',
      arrayBuffer: () => Promise.reject(new Error('must not be read')),
    };
    const result = await importFile(huge as unknown as File, nodeRegistry);
    expect(result).toEqual({
      ok: false,
      errors: [expect.stringMatching(/^huge\.dge\.json: file is too large: 50\.0 MB/)],
    });
  });

  it('derives safe download names from hostile graph names', () => {
    expect(fileBaseName({ ...graph(), name: '../../etc/<script>alert(1)</script>' })).toBe(
      '_.._etc_script_alert(1)_script_',
    );
    expect(fileBaseName({ ...graph(), name: '   ' })).toBe('graph');
    expect(fileBaseName({ ...graph(), name: 'Smile + turn' })).toBe('Smile + turn');
  });
});
