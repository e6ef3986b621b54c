// A PackRuntime that uses a model's precision variant (`variants.fp16` in the manifest) when one
// is offered and asked for (WebGPU), else the model itself. The session cache, sha256 check and
// feed checks are OnnxPackRuntime's: only the manifest entry it reads is swapped.
import type { PackManifest } from '../../graph/types';
import { OnnxPackRuntime, type ByteSource, type OrtModule } from './runtime';

/** The manifest with every model that offers `variant` pointing at that variant's file and sha256. */
export function manifestWithVariant(manifest: PackManifest, variant: string): PackManifest {
  let changed = false;
  const models: PackManifest['models'] = { ...manifest.models };
  for (const [name, entry] of Object.entries(manifest.models)) {
    const v = entry?.variants?.[variant];
    if (!entry || !v) continue;
    models[name] = {
      ...entry,
      file: v.file,
      sha256: v.sha256,
      ...(v.bytes !== undefined ? { bytes: v.bytes } : {}),
      doc: `${entry.doc ?? name} (${variant})`,
    };
    changed = true;
  }
  return changed ? { ...manifest, models } : manifest;
}

export class VariantPackRuntime extends OnnxPackRuntime {
  private swapped = new WeakMap<PackManifest, PackManifest>();

  constructor(
    readBytes: ByteSource,
    ort: OrtModule,
    sessionOptions: Record<string, unknown>,
    readonly variant: string | null,
  ) {
    super(readBytes, ort, sessionOptions);
  }

  override async manifest(packId: string): Promise<PackManifest> {
    const original = await super.manifest(packId);
    if (!this.variant) return original;
    let m = this.swapped.get(original);
    if (!m) this.swapped.set(original, (m = manifestWithVariant(original, this.variant)));
    return m;
  }

  /** Which models of a pack run as the variant (for the UI's "fp16" tag). */
  async variantModels(packId: string): Promise<string[]> {
    if (!this.variant) return [];
    const original = await super.manifest(packId);
    return Object.entries(original.models)
      .filter(([, e]) => e?.variants?.[this.variant!])
      .map(([name]) => name);
  }
}
