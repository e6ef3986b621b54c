// GAN Inversion says on the node when a picture is far outside its pack's domain (a real photo
// given to the FaceWorld demo pack), and stays quiet on the pack's own kind of face.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ImageValue } from '../../../src/graph/types';
import { ganInversionNode } from '../../../src/nodes/gan-inversion';
import { loadFaceNode } from '../../../src/nodes/load-face';
import { packInversionPsnr } from '../../../src/nodes/domain-check';
import { makeCtx, packs } from './helpers';

const PORTRAIT = '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg';
const hasDemo = existsSync(new URL('../../../models/faceworld/manifest.json', import.meta.url));

describe.skipIf(!hasDemo)("GAN Inversion: far from the pack's domain", () => {
  it('the demo pack states what it reaches on its own faces', async () => {
    expect(packInversionPsnr(await packs.manifest('faceworld'))).toBeGreaterThan(20);
  });

  it('says nothing for a FaceWorld sample face', async () => {
    const notes: string[] = [];
    const ctx = makeCtx({}, [], notes);
    const image = (await loadFaceNode.compute({}, { pack: 'faceworld', source: 'sample:2', crop: 'center' }, ctx))
      .image as ImageValue;
    await ganInversionNode.compute({ image }, { pack: 'faceworld', refineSteps: 0, refineRate: 0.05 }, ctx);
    expect(notes.filter((n) => n.includes('far from'))).toEqual([]);
  });

  it.skipIf(!existsSync(PORTRAIT))(
    'warns in plain words for a real photo and points to the Models panel and models/README.md',
    async () => {
      const notes: string[] = [];
      const ctx = makeCtx({ photo: new Uint8Array(readFileSync(PORTRAIT)) }, [], notes);
      const image = (await loadFaceNode.compute({}, { pack: 'faceworld', source: 'asset:photo', crop: 'face' }, ctx))
        .image as ImageValue;
      await ganInversionNode.compute({ image }, { pack: 'faceworld', refineSteps: 0, refineRate: 0.05 }, ctx);
      const warning = notes.find((n) => n.includes('far from'));
      expect(warning).toMatch(/FaceWorld demo/);
      expect(warning).toMatch(/Models panel/);
      expect(warning).toMatch(/models\/README\.md/);
      expect(warning).toMatch(/StyleGAN2-FFHQ \+ e4e/);
    },
  );
});
