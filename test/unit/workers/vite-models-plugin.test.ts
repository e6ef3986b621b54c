import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packFiles } from '../../../tools/vite-models-plugin';
import { modelsDir } from '../nodes/helpers';

describe('models plugin: files copied into the build', () => {
  it('takes index.json, each listed manifest and the model files it names', () => {
    const files = packFiles(modelsDir, () => undefined);
    expect(files[0]).toBe('index.json');
    for (const f of [
      'fixture/manifest.json',
      'fixture/generator.onnx',
      'fixture/encoder.onnx',
      'fixture/mapping.onnx',
      'fixture/delta_encoder.onnx',
      'fixture/delta_decoder.onnx',
    ]) {
      expect(files).toContain(f);
    }
    // nothing that is not a pack file (training scripts, build.py)
    expect(files.every((f) => f === 'index.json' || /\/(manifest\.json|[^/]+\.onnx)$/.test(f))).toBe(true);
  });

  it('skips a listed pack without a manifest, with a warning naming it', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'dge-models-'));
    await writeFile(path.join(dir, 'index.json'), JSON.stringify({ packs: ['ghost', 'half'] }));
    await mkdir(path.join(dir, 'half'));
    await writeFile(
      path.join(dir, 'half', 'manifest.json'),
      JSON.stringify({ models: { generator: { file: 'g.onnx' } } }),
    );
    const warnings: string[] = [];
    expect(packFiles(dir, (w) => warnings.push(w))).toEqual(['index.json', 'half/manifest.json']);
    expect(warnings.join('\n')).toContain('"ghost" is listed in models/index.json but ghost/manifest.json is missing');
    expect(warnings.join('\n')).toContain('"half": g.onnx is missing');
  });
});
