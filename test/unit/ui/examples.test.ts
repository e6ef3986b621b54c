// The bundled example graphs as the app lists and opens them (src/ui/library/examples.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nodeRegistry } from '../../../src/nodes';
import { EXAMPLES, FIRST_EXAMPLE, loadExample } from '../../../src/ui/library/examples';

const dir = fileURLToPath(new URL('../../../examples/', import.meta.url));

describe('bundled examples', () => {
  it('lists every example file once, under the name the file gives its graph', () => {
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.dge.json'))
      .sort();
    expect(EXAMPLES.map((e) => e.file).sort()).toEqual(files);
    for (const ex of EXAMPLES) {
      expect(JSON.parse(readFileSync(dir + ex.file, 'utf8')).name, ex.file).toBe(ex.title);
      expect(ex.note.length, ex.file).toBeGreaterThan(10);
    }
  });

  it('loads each one as a valid graph on the demo pack without repairs', async () => {
    for (const ex of EXAMPLES) {
      const result = await loadExample(ex.file, nodeRegistry);
      expect(result.ok, ex.file).toBe(true);
      if (!result.ok) continue;
      expect(result.warnings, ex.file).toEqual([]);
      expect(result.doc.name).toBe(ex.title);
      expect(result.doc.packs.map((p) => p.id)).toEqual(['faceworld']);
    }
  });

  it('opens a head turn on a first visit: one edit, on the attribute the demo pack shows', async () => {
    const result = await loadExample(FIRST_EXAMPLE, nodeRegistry);
    if (!result.ok) throw new Error(result.error);
    const pairs = result.doc.nodes.filter((n) => n.type === 'synthetic-pair');
    expect(pairs.map((n) => n.params.attribute)).toEqual(['yaw']);
    expect(result.doc.nodes.filter((n) => n.type === 'scale')).toHaveLength(1);
  });

  it('names the file when an example is missing', async () => {
    const result = await loadExample('no-such.dge.json', nodeRegistry);
    expect(result).toEqual({ ok: false, error: expect.stringMatching(/examples\/no-such\.dge\.json is missing/) });
  });
});
