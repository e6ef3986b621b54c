// Is this picture one the pack can edit? GAN Inversion reconstructs it (G(E(x))) and compares
// the reconstruction's PSNR with what the pack reaches on held-out images of its own data; a
// picture far below that is far outside the pack's domain (a real photo given to the FaceWorld
// demo pack), and the node says so in plain words instead of handing on a silent blob.
import type { ComputeContext, ImageValue, PackManifest, Tensor } from '../graph/types';
import { psnr, resizeImageValue } from '../image';

/** How far below the pack's own reconstruction PSNR a picture may fall before the node warns (dB).
 *  Chosen on FaceWorld validation faces (`npm run bench:domain`, identity seeds 9000–9063) with the
 *  demo pack (26.3 dB): their median is 25.5 dB and their worst 21.2 dB (5.1 below), so 8 dB leaves
 *  room for harder faces; a real photo (grace_hopper.jpg) reaches 14.1 dB, 12 below. The pack's
 *  domain classifier does not help here: it tells photo-style from cgi renders and calls the real
 *  photo "photo" (P(cgi) = 0.000), as it does every validation face. */
export const DOMAIN_MARGIN_DB = 8;

/** The PSNR (dB) of G(E(x)) on held-out images of the pack's own data: `meta.inversion_psnr`, or the
 *  training's `meta.training_ae.test_psnr`; undefined when the pack states neither (no check). */
export function packInversionPsnr(manifest: PackManifest): number | undefined {
  const meta = manifest.meta as { inversion_psnr?: unknown; training_ae?: { test_psnr?: unknown } } | undefined;
  const figure = meta?.inversion_psnr ?? meta?.training_ae?.test_psnr;
  return typeof figure === 'number' && Number.isFinite(figure) ? figure : undefined;
}

export interface DomainCheck {
  /** PSNR of G(E(x)) against the picture, at the generator's size */
  psnr: number;
  /** what the pack reaches on its own data */
  reference: number;
  far: boolean;
}

/** Reconstructs `image` from `latent` (one generator run) and compares it with the pack's own figure. */
export async function checkDomain(
  packId: string,
  manifest: PackManifest,
  image: ImageValue,
  latent: Tensor,
  ctx: ComputeContext,
): Promise<DomainCheck | undefined> {
  const reference = packInversionPsnr(manifest);
  if (reference === undefined) return undefined;
  const g = manifest.models.generator;
  const out = await ctx.packs.run(packId, 'generator', { [g.inputs[0].name]: latent }, ctx.signal);
  const recon = out[g.outputs[0].name];
  const target = resizeImageValue(image, recon.dims[3], recon.dims[2]).tensor;
  const value = psnr(recon, target, manifest.image.range);
  return { psnr: value, reference, far: value < reference - DOMAIN_MARGIN_DB };
}

/** The node's words for a picture far outside the pack's domain. */
export function farFromDomainNote(manifest: PackManifest, check: DomainCheck): string {
  return (
    `⚠ This picture is far from what the model pack “${manifest.name}” was trained on: it can only redraw it at ` +
    `${check.psnr.toFixed(1)} dB, where the pack reaches ${check.reference.toFixed(1)} dB on its own faces, so an edit ` +
    `would act on a different face. For real photos, add a StyleGAN2-FFHQ + e4e pack in the Models panel ` +
    `(models/README.md says how to convert one).`
  );
}
