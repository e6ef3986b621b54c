// Checks a pack the user brings (files, a zip, a download) before it is stored: a valid manifest,
// shapes that agree with the pack's latent and image size, every named file present with its
// sha256, and every model file loadable by onnxruntime. Each problem is named for the user.
import type { PackManifest, PackModelEntry, PackModelIO } from '../../graph/types';
import { parsePackManifest } from './manifest';
import { formatShape, type OrtModule } from './runtime';
import { sha256Hex } from '../../graph/hash';

/** A pack was refused; `problems` lists every reason, each naming the file or field. */
export class PackRefusedError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
    this.name = 'PackRefusedError';
  }
}

export interface ValidatedPack {
  manifest: PackManifest;
  /** sha256 of manifest.json */
  manifestSha256: string;
  /** manifest.json and the model files it names, by path inside the pack folder */
  files: Map<string, Uint8Array>;
}

/** Files above this size get the ONNX structure check only: a trial session of a 1 GB encoder would double the memory the tab needs. */
export const TRIAL_SESSION_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Why `bytes` is not an ONNX model, or null: walks the top-level protobuf fields of a ModelProto
 * (cheap at any size: the graph is one length-delimited field) and wants ir_version and a graph.
 */
export function onnxStructureProblem(bytes: Uint8Array): string | null {
  let at = 0;
  let irVersion = false;
  let graph = false;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (at >= bytes.length) throw new Error('the data ends inside a field');
      const b = bytes[at++];
      value += (b & 0x7f) * scale;
      if (!(b & 0x80)) return value;
      scale *= 128;
    }
    throw new Error('a malformed varint');
  };
  try {
    if (bytes.length < 4) return `only ${bytes.length} bytes`;
    while (at < bytes.length) {
      const key = varint();
      const field = Math.floor(key / 8);
      const wire = key & 7;
      if (field < 1 || field > 64) throw new Error(`field number ${field} at byte ${at}`);
      if (wire === 0) varint();
      else if (wire === 2) {
        const length = varint();
        if (at + length > bytes.length) throw new Error(`field ${field} claims ${length} bytes past the end`);
        at += length;
      } else if (wire === 1) at += 8;
      else if (wire === 5) at += 4;
      else throw new Error(`wire type ${wire} at byte ${at}`);
      if (field === 1 && wire === 0) irVersion = true;
      if (field === 7 && wire === 2) graph = true;
    }
  } catch (e) {
    return `not an ONNX (protobuf) file: ${(e as Error).message}`;
  }
  if (at !== bytes.length) return 'not an ONNX (protobuf) file: the last field runs past the end';
  if (!irVersion || !graph) return `not an ONNX model: no ${!irVersion ? 'ir_version' : 'graph'}`;
  return null;
}

/** An optional fp16 (or other) variant of a model entry: `variants: { fp16: { file, sha256 } }`. */
export function variantsOf(entry: PackModelEntry): Record<string, { file: string; sha256: string; bytes?: number }> {
  return entry.variants ?? {};
}

/**
 * Paths relative to the pack folder: the folder holding the shallowest manifest.json is the
 * pack root (a dropped folder, or a zip with or without a top folder); files outside it are ignored.
 */
export function packRelative(files: Map<string, Uint8Array>): Map<string, Uint8Array> {
  const norm = (p: string) => p.replace(/\\/g, '/').replace(/^\.?\//, '');
  const manifests = [...files.keys()].map(norm).filter((p) => p === 'manifest.json' || p.endsWith('/manifest.json'));
  if (!manifests.length) {
    const names = [...files.keys()].slice(0, 6).join(', ');
    throw new PackRefusedError([
      `no manifest.json among the files (${names || 'none'}): a pack is a folder with manifest.json and the ONNX files it names`,
    ]);
  }
  manifests.sort((a, b) => a.split('/').length - b.split('/').length);
  const prefix = manifests[0].slice(0, -'manifest.json'.length);
  const out = new Map<string, Uint8Array>();
  for (const [path, bytes] of files) {
    const p = norm(path);
    if (p.startsWith(prefix)) out.set(p.slice(prefix.length), bytes);
  }
  return out;
}

function dims(io: PackModelIO | undefined): (number | string)[] {
  return io?.shape ?? [];
}

/** Numeric dims must equal `want`; named (dynamic) dims are accepted. */
function agrees(shape: (number | string)[], want: (number | null)[]): boolean {
  if (shape.length !== want.length) return false;
  return want.every((w, i) => w === null || typeof shape[i] === 'string' || shape[i] === w);
}

/** Shape problems of a manifest: every model's inputs and outputs against `latent`, `image`, `deltaDim` and `zDim`. */
export function shapeProblems(m: PackManifest): string[] {
  const problems: string[] = [];
  const { layers: L, dim: D } = m.latent;
  const S = m.image.size;
  const latent = [null, L, D];
  const latentText = `[batch,${L},${D}] (latent {layers: ${L}, dim: ${D}})`;
  const say = (model: string, io: PackModelIO | undefined, what: string) =>
    problems.push(
      `manifest inconsistent: ${model}'s ${io?.name ?? '(missing)'} ${io ? formatShape(io.shape) : ''} must be ${what}`,
    );
  const g = m.models.generator;
  if (!agrees(dims(g.inputs[0]), latent)) say('generator', g.inputs[0], `${latentText}`);
  if (!agrees(dims(g.outputs[0]), [null, 3, S, S]))
    say('generator', g.outputs[0], `[batch,3,${S},${S}] (image size ${S})`);
  const e = m.models.encoder;
  const eIn = dims(e.inputs[0]);
  // an encoder may take a smaller square input than the generator makes (e4e at 256 for 1024 px); it resizes
  if (!agrees(eIn, [null, 3, null, null]) || typeof eIn[2] !== 'number' || eIn[2] !== eIn[3]) {
    say('encoder', e.inputs[0], `[batch,3,H,H] with a fixed size H (image size ${S})`);
  }
  if (!agrees(dims(e.outputs[0]), latent)) say('encoder', e.outputs[0], latentText);
  const map = m.models.mapping;
  if (map) {
    if (!agrees(dims(map.outputs[0]), latent)) say('mapping', map.outputs[0], latentText);
    if (m.zDim !== undefined && !agrees(dims(map.inputs[0]), [null, m.zDim]))
      say('mapping', map.inputs[0], `[batch,${m.zDim}] (zDim ${m.zDim})`);
  }
  const C = m.deltaDim ?? null;
  const de = m.models.delta_encoder;
  if (de) {
    for (const io of de.inputs) if (!agrees(io.shape, latent)) say('delta_encoder', io, latentText);
    if (!agrees(dims(de.outputs[0]), [null, C])) say('delta_encoder', de.outputs[0], `[batch,${C ?? 'C'}] (deltaDim)`);
  }
  const dd = m.models.delta_decoder;
  if (dd) {
    const [w, delta] = [dd.inputs.find((io) => io.shape.length === 3), dd.inputs.find((io) => io.shape.length === 2)];
    if (!w || !agrees(w.shape, latent)) say('delta_decoder', w, latentText);
    if (!delta || !agrees(delta.shape, [null, C])) say('delta_decoder', delta, `[batch,${C ?? 'C'}] (deltaDim)`);
    if (!agrees(dims(dd.outputs[0]), latent)) say('delta_decoder', dd.outputs[0], latentText);
  }
  return problems;
}

/**
 * Validates a pack given as files (paths relative to anywhere: see packRelative). Throws
 * PackRefusedError listing every problem. Every model file must be an ONNX protobuf; with `ort`,
 * each one up to TRIAL_SESSION_MAX_BYTES must also load as an onnxruntime session (released right
 * away), which catches models onnxruntime cannot run (unknown ops, broken graphs).
 */
export async function validatePack(
  input: Map<string, Uint8Array>,
  options: { ort?: OrtModule | null; reservedIds?: string[] } = {},
): Promise<ValidatedPack> {
  const files = packRelative(input);
  const manifestBytes = files.get('manifest.json')!;
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch (e) {
    throw new PackRefusedError([`manifest.json is not valid JSON: ${(e as Error).message}`]);
  }
  let manifest: PackManifest;
  try {
    manifest = parsePackManifest(json, 'manifest.json');
  } catch (e) {
    throw new PackRefusedError([(e as Error).message]);
  }
  if (options.reservedIds?.includes(manifest.id)) {
    throw new PackRefusedError([
      `pack id "${manifest.id}" is a bundled pack's id; give the added pack another id in its manifest.json`,
    ]);
  }
  const problems = shapeProblems(manifest);
  const kept = new Map<string, Uint8Array>([['manifest.json', manifestBytes]]);
  const entries: { model: string; file: string; sha256: string }[] = [];
  for (const [model, entry] of Object.entries(manifest.models)) {
    if (!entry) continue;
    entries.push({ model, file: entry.file, sha256: entry.sha256 });
    for (const [variant, v] of Object.entries(variantsOf(entry)))
      entries.push({ model: `${model} (${variant})`, file: v.file, sha256: v.sha256 });
  }
  for (const { model, file, sha256 } of entries) {
    const bytes = files.get(file);
    if (!bytes) {
      problems.push(`manifest names ${file} (${model}) but it was not among the files`);
      continue;
    }
    const actual = await sha256Hex(bytes);
    if (actual !== sha256) {
      problems.push(`${file}: sha256 mismatch (expected ${sha256}, got ${actual})`);
      continue;
    }
    kept.set(file, bytes);
  }
  if (problems.length) throw new PackRefusedError(problems);
  for (const { file } of entries) {
    const problem = onnxStructureProblem(kept.get(file)!);
    if (problem) problems.push(`${file}: ${problem}`);
  }
  if (problems.length) throw new PackRefusedError(problems);
  if (options.ort) {
    for (const { file } of entries) {
      if (kept.get(file)!.byteLength > TRIAL_SESSION_MAX_BYTES) continue;
      try {
        const session = await options.ort.InferenceSession.create(kept.get(file)!);
        await session.release?.();
      } catch (e) {
        problems.push(`${file}: not a loadable ONNX model (onnxruntime: ${(e as Error).message.trim()})`);
      }
    }
    if (problems.length) throw new PackRefusedError(problems);
  }
  return { manifest, manifestSha256: await sha256Hex(manifestBytes), files: kept };
}
