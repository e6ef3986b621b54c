// The zod schema of models/<pack-id>/manifest.json (the PackManifest contract in src/graph/types.ts).
import { z } from 'zod';
import type { PackManifest } from '../../graph/types';

const zDim = z.union([z.number().int().positive(), z.string().min(1)]);

const zModelIO = z.object({
  name: z.string().min(1),
  shape: z.array(zDim).min(1),
  range: z.tuple([z.number(), z.number()]).optional(),
});

/**
 * Why `file` is not a plain relative name inside the pack folder, or null. Segments of letters,
 * digits, `.`, `_`, `-` separated by `/`: no URL (`https://other.host/…`, no `:` at all), no
 * absolute path, no `..` or `.` segment, no percent-encoding (`%2e%2e/`), no backslash, no empty
 * segment. Checked before anything is requested or read, so a name can never leave the pack.
 */
export function packFileProblem(file: string): string | null {
  if (file.length > 255) return 'is longer than 255 characters';
  if (file.startsWith('/')) return 'starts with "/"';
  for (const seg of file.split('/')) {
    if (seg === '') return 'has an empty part ("//" or a trailing "/")';
    if (seg === '.' || seg === '..') return `has a "${seg}" part`;
    if (!/^[A-Za-z0-9._-]+$/.test(seg))
      return 'has characters other than letters, digits, ".", "_", "-" and "/" (a URL, "%", "\\" or ":")';
  }
  return null;
}

const zPackFile = z
  .string()
  .min(1)
  .superRefine((f, ctx) => {
    const problem = packFileProblem(f);
    if (problem)
      ctx.addIssue({
        code: 'custom',
        message: `must be a relative path inside the pack: ${JSON.stringify(f.slice(0, 80))} ${problem}`,
      });
  });
const zSha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');

const zModelEntry = z.object({
  file: zPackFile,
  sha256: zSha256,
  bytes: z.number().int().nonnegative().optional(),
  /** other precisions of the same model (`fp16`, used on WebGPU); same inputs and outputs */
  variants: z
    .record(
      z.string(),
      z.object({ file: zPackFile, sha256: zSha256, bytes: z.number().int().nonnegative().optional() }),
    )
    .optional(),
  inputs: z.array(zModelIO).min(1),
  outputs: z.array(zModelIO).min(1),
  doc: z.string().optional(),
});

export const zPackManifest = z.object({
  format: z.literal('delta-studio/model-pack'),
  version: z.literal(1),
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lowercase letters, digits, ".", "_" or "-"'),
  name: z.string().min(1),
  license: z.string().min(1),
  source: z.string().min(1),
  description: z.string().optional(),
  latent: z.object({ layers: z.number().int().positive(), dim: z.number().int().positive() }),
  image: z.object({
    size: z.number().int().positive(),
    channels: z.literal(3),
    range: z.tuple([z.number(), z.number()]),
    layout: z.literal('NCHW'),
    framing: z.enum(['frame', 'face']).optional(),
  }),
  deltaDim: z.number().int().positive().optional(),
  zDim: z.number().int().positive().optional(),
  models: z
    .object({
      generator: zModelEntry,
      encoder: zModelEntry,
      mapping: zModelEntry.optional(),
      delta_encoder: zModelEntry.optional(),
      delta_decoder: zModelEntry.optional(),
      attributes: zModelEntry.optional(),
      domain: zModelEntry.optional(),
    })
    .catchall(zModelEntry),
  meta: z.record(z.string(), z.unknown()).optional(),
});

function formatPath(path: PropertyKey[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(root)';
}

/** Validates a parsed manifest; throws one Error listing every problem by path. */
export function parsePackManifest(json: unknown, where = 'manifest'): PackManifest {
  const result = zPackManifest.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
    throw new Error(`invalid model pack ${where}: ${problems.join('; ')}`);
  }
  return result.data as PackManifest;
}

/** Validates models/index.json: `{ packs: string[] }`. */
export const zPackIndex = z.object({ packs: z.array(z.string().min(1)) });
