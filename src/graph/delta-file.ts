// Delta files (`.delta.json`): one edit kept as a small file — the pack it belongs to (id and the
// sha256 of the model that gives it meaning: the Δ-decoder for DGE codes, the generator for W+
// offsets), method, attribute, from → to, K and the values. Loaded with the same checks as graph
// files (size, depth, format, version, zod schema with paths in the messages, migrations).
import { z } from 'zod';
import type { DeltaValue, PackManifest } from './types';
import { checkDepth, parseJsonText } from './document';
import { MAX_JSON_DEPTH } from './limits';
import { formatIssues, capMessages, describeValue } from './issues';
import { migrate, type Migration } from './migrations';

export const DELTA_FORMAT = 'delta-studio/delta';
export const DELTA_VERSION = 1;
/** version 1 is the first: nothing to migrate yet; later versions add their steps here */
export const deltaMigrations: readonly Migration[] = [];

export const zDeltaFile = z
  .looseObject({
    format: z.literal(DELTA_FORMAT),
    version: z.literal(DELTA_VERSION),
    pack: z.looseObject({
      id: z.string().min(1),
      sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 hex digits'),
    }),
    method: z.enum(['dge', 'linear']),
    label: z.string().max(400).default(''),
    attribute: z.string().max(100).nullable().default(null),
    from: z.number().nullable().default(null),
    to: z.number().nullable().default(null),
    k: z.number().int().min(0).nullable().default(null),
    dims: z
      .array(
        z
          .number()
          .int()
          .min(1)
          .max(1 << 20),
      )
      .min(2)
      .max(3),
    values: z.array(z.number().refine(Number.isFinite, 'expected a finite number')),
  })
  .superRefine((d, ctx) => {
    const n = d.dims.reduce((a, b) => a * b, 1);
    if (d.values.length !== n)
      ctx.addIssue({
        code: 'custom',
        path: ['values'],
        message: `expected ${n} values for dims [${d.dims.join(',')}], got ${d.values.length}`,
      });
  });
export type DeltaFile = z.infer<typeof zDeltaFile>;

/** The sha256 a delta of this method depends on: the Δ-decoder's (DGE codes) or the generator's (W+ offsets). */
export function deltaModelSha(manifest: PackManifest, method: DeltaValue['method']): string {
  return (method === 'dge' ? manifest.models.delta_decoder?.sha256 : manifest.models.generator.sha256) ?? '';
}

export function serializeDelta(delta: DeltaValue, manifest: PackManifest): string {
  const file: DeltaFile = {
    format: DELTA_FORMAT,
    version: DELTA_VERSION,
    pack: { id: delta.pack, sha256: deltaModelSha(manifest, delta.method) },
    method: delta.method,
    label: delta.label,
    attribute: delta.source?.attribute ?? null,
    from: delta.source?.from ?? null,
    to: delta.source?.to ?? null,
    k: delta.source?.k ?? null,
    dims: [...delta.tensor.dims],
    values: Array.from(delta.tensor.data, (v) => Number(v.toPrecision(8))),
  };
  return JSON.stringify(file) + '\n';
}

/** What a delta file holds, in a few words: "yaw 0→25, K=4", else its label. */
export function describeDelta(file: Pick<DeltaFile, 'attribute' | 'from' | 'to' | 'k' | 'label'>): string {
  return file.attribute !== null
    ? `${file.attribute} ${file.from}→${file.to}${file.k !== null ? `, K=${file.k}` : ''}`
    : file.label || 'delta';
}

export type DeltaParseResult =
  { ok: true; file: DeltaFile; delta: DeltaValue; warnings: string[] } | { ok: false; errors: string[] };

export function parseDeltaFile(text: string): DeltaParseResult {
  const json = parseJsonText(text);
  if (!json.ok) return json;
  const raw = json.raw;
  const depthError = checkDepth(raw, MAX_JSON_DEPTH);
  if (depthError) return { ok: false, errors: [depthError] };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return { ok: false, errors: [`(root): expected a delta object, got ${describeValue(raw)}`] };
  const obj = raw as Record<string, unknown>;
  if (obj.format !== DELTA_FORMAT)
    return {
      ok: false,
      errors: [
        `format: expected "${DELTA_FORMAT}", got ${describeValue(obj.format)} — this is not a Delta Studio delta file`,
      ],
    };
  if (typeof obj.version !== 'number' || !Number.isInteger(obj.version) || obj.version < 1) {
    return { ok: false, errors: [`version: expected a whole number ≥ 1, got ${describeValue(obj.version)}`] };
  }
  if (obj.version > DELTA_VERSION)
    return {
      ok: false,
      errors: [`version: this delta file is version ${obj.version}; this editor reads up to ${DELTA_VERSION}`],
    };
  const migrated = migrate(obj, deltaMigrations);
  if (!migrated.ok) return migrated;
  const parsed = zDeltaFile.safeParse(migrated.value);
  if (!parsed.success) return { ok: false, errors: capMessages(formatIssues(parsed.error.issues, migrated.value)) };
  const f = parsed.data;
  const source =
    f.attribute !== null && f.from !== null && f.to !== null && f.k !== null
      ? { attribute: f.attribute, from: f.from, to: f.to, k: f.k }
      : undefined;
  return {
    ok: true,
    file: f,
    delta: {
      kind: 'delta',
      method: f.method,
      pack: f.pack.id,
      tensor: { data: Float32Array.from(f.values), dims: [...f.dims] },
      label: f.label || 'loaded delta',
      ...(source ? { source } : {}),
    },
    warnings: migrated.warnings,
  };
}

/** A delta file embedded in a graph (Load Delta's source): `data:application/json;name=<encoded name>;base64,…` */
export function deltaDataUrl(text: string, name: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return `data:application/json;name=${encodeURIComponent(name)};base64,${btoa(binary)}`;
}

/** A data: URL's bytes and its `name=` parameter, read without fetch so a graph runs the same headless. */
export function readDataUrl(url: string): { bytes: Uint8Array; name: string } {
  const comma = url.indexOf(',');
  if (comma < 0) throw new Error('the data: URL has no "," before its data');
  const meta = url.slice(5, comma).split(';');
  const nameParam = meta.find((m) => m.startsWith('name='));
  let name = 'embedded delta';
  try {
    if (nameParam) name = decodeURIComponent(nameParam.slice(5));
  } catch {
    // a malformed name is only cosmetic
  }
  const body = url.slice(comma + 1);
  if (!meta.includes('base64')) return { bytes: new TextEncoder().encode(decodeURIComponent(body)), name };
  let binary: string;
  try {
    binary = atob(body);
  } catch {
    throw new Error(`${name}: the data: URL is not valid base64`);
  }
  return { bytes: Uint8Array.from(binary, (c) => c.charCodeAt(0)), name };
}
