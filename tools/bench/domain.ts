// The basis of GAN Inversion's "far from the pack's domain" warning (src/nodes/domain-check.ts):
// the reconstruction PSNR of G(E(x)) and the domain classifier's P(cgi) on FaceWorld validation
// faces (photo style, in the pack's framing, identity seeds 9000–9063: no test or sample uses
// them), on the bundled sample faces, and on a real photo (Debian's grace_hopper.jpg, aligned and
// centre-cropped), for one pack.
//   npm run bench:domain [-- --json] [-- --pack faceworld] [-- --photo <jpg>]
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ComputeContext, ImageValue, LatentValue } from '../../src/graph/types';
import { loadFaceNode } from '../../src/nodes/load-face';
import { ganInversionNode } from '../../src/nodes/gan-inversion';
import { checkDomain, DOMAIN_MARGIN_DB } from '../../src/nodes/domain-check';
import { imageFraming, neutralAttributes, renderFramed, sampleIdentity } from '../../src/synth';
import { encoderInputSize, rgbaToPackImage } from '../../src/image';
import { alignFaceNode, createNodePackRuntime, decodeImageNode, fetchBytesNode } from '../../src/workers/node/context';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) =>
  args.includes(`--${name}`) ? args[args.indexOf(`--${name}`) + 1]! : fallback;
const json = args.includes('--json');
const packId = option('pack', 'faceworld');
const photo = option('photo', '/usr/share/matplotlib/mpl-data/sample_data/grace_hopper.jpg');
const packs = createNodePackRuntime(fileURLToPath(new URL('../../models', import.meta.url)));

function ctx(assets: Record<string, Uint8Array> = {}): ComputeContext {
  return {
    packs,
    assets: { get: (id) => assets[id] },
    decodeImage: decodeImageNode,
    fetchBytes: fetchBytesNode,
    alignFace: alignFaceNode,
    signal: new AbortController().signal,
    progress: () => undefined,
  };
}

async function measure(image: ImageValue, c: ComputeContext) {
  const manifest = await packs.manifest(packId);
  const latent = (await ganInversionNode.compute({ image }, { pack: packId, refineSteps: 0, refineRate: 0.05 }, c))
    .latent as LatentValue;
  const check = await checkDomain(packId, manifest, image, latent.tensor, c);
  let cgi = Number.NaN;
  const domain = manifest.models.domain;
  if (domain) {
    const size = domain.inputs[0].shape[2];
    const { resizeImageValue } = await import('../../src/image');
    const input = typeof size === 'number' ? resizeImageValue(image, size, size).tensor : image.tensor;
    const logit = (await packs.run(packId, 'domain', { [domain.inputs[0].name]: input }))[domain.outputs[0].name]!
      .data[0]!;
    cgi = 1 / (1 + Math.exp(-logit));
  }
  return { psnr: check?.psnr ?? Number.NaN, reference: check?.reference ?? Number.NaN, far: check?.far ?? false, cgi };
}

const summary = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { median: s[Math.floor(s.length / 2)]!, min: s[0]!, max: s[s.length - 1]! };
};

async function main(): Promise<void> {
  const manifest = await packs.manifest(packId);
  const size = encoderInputSize(manifest).width;
  const framing = imageFraming(manifest.image);
  const validation = [];
  for (let seed = 9000; seed < 9064; seed++) {
    const rgba = renderFramed(sampleIdentity(seed), neutralAttributes(), { size, style: 'photo', seed }, framing);
    validation.push(await measure(rgbaToPackImage(rgba, manifest), ctx()));
  }
  const samples = [];
  for (let n = 1; n <= 6; n++) {
    const image = (await loadFaceNode.compute({}, { pack: packId, source: `sample:${n}`, crop: 'center' }, ctx()))
      .image as ImageValue;
    samples.push(await measure(image, ctx()));
  }
  const figures: Record<string, number | string> = {
    pack: packId,
    reference_psnr_db: validation[0]!.reference,
    margin_db: DOMAIN_MARGIN_DB,
    validation_faces: validation.length,
    validation_psnr_median_db: summary(validation.map((v) => v.psnr)).median,
    validation_psnr_min_db: summary(validation.map((v) => v.psnr)).min,
    validation_flagged: validation.filter((v) => v.far).length,
    validation_cgi_median: summary(validation.map((v) => v.cgi)).median,
    validation_cgi_max: summary(validation.map((v) => v.cgi)).max,
    samples_psnr_min_db: summary(samples.map((v) => v.psnr)).min,
    samples_flagged: samples.filter((v) => v.far).length,
  };
  if (existsSync(photo)) {
    const bytes = new Uint8Array(readFileSync(photo));
    for (const crop of ['face', 'center']) {
      const c = ctx({ photo: bytes });
      const image = (await loadFaceNode.compute({}, { pack: packId, source: 'asset:photo', crop }, c))
        .image as ImageValue;
      const m = await measure(image, c);
      figures[`photo_${crop}_psnr_db`] = m.psnr;
      figures[`photo_${crop}_cgi`] = m.cgi;
      figures[`photo_${crop}_flagged`] = m.far ? 1 : 0;
    }
  }
  if (json) console.log(JSON.stringify(figures));
  else
    for (const [k, v] of Object.entries(figures))
      console.log(`${k.padEnd(28)} ${typeof v === 'number' ? v.toFixed(3) : v}`);
}

await main();
