// The graph document (`*.dge.json`): zod schemas, parsing with migrations, validation and repair,
// serialisation. Pure TypeScript so it runs in the UI, in workers and in Node alike.
import { z } from 'zod';
import type { NodeDefinition } from './types';
import { formatIssues, describeValue, capMessages } from './issues';
import {
  MAX_ASSETS,
  MAX_CONNECTIONS,
  MAX_FILE_BYTES,
  MAX_ID_LENGTH,
  MAX_JSON_DEPTH,
  MAX_NODES,
  MAX_PACKS,
} from './limits';
// These two import only types from this module, so the cycle is harmless at module init.
import { migrate } from './migrations';
import { restoreProtoKeys } from './plain-data';
import { repairGraph } from './validate';

export const GRAPH_FORMAT = 'delta-studio/graph';
export const GRAPH_VERSION = 1;

export type NodeRegistry = ReadonlyMap<string, NodeDefinition>;

/** Any number JSON can produce (1e999 parses to Infinity); repair clamps the non-finite ones. */
const zLooseNumber = z.custom<number>((v) => typeof v === 'number' && !Number.isNaN(v), {
  message: 'expected number',
});

export const zId = z.string().min(1, 'expected a non-empty id').max(MAX_ID_LENGTH);
export const zParamValue = z.union([zLooseNumber, z.string(), z.boolean()]);
/**
 * Any JSON value is carried: a placeholder (unknown type) keeps array and object params as they
 * are, and repair refuses a declared param of the wrong type with its path. Typed as the values
 * the node code reads, which repair guarantees for every declared param.
 */
export const zParams = z.record(z.string(), z.unknown()) as unknown as z.ZodType<
  Record<string, z.infer<typeof zParamValue>>
>;

export const zGraphNode = z.looseObject({
  id: zId,
  type: z.string().min(1, 'expected a node type').max(MAX_ID_LENGTH),
  params: zParams.default({}),
  position: z.tuple([zLooseNumber, zLooseNumber]).default([0, 0]),
  label: z.string().optional(),
  /** 'bypass': the node passes its inputs on to outputs of the same type; 'mute': it and what needs it do not run */
  mode: z.enum(['bypass', 'mute']).optional().catch(undefined),
});

export const zEndpoint = z.looseObject({ node: zId, socket: zId });

export const zConnection = z.looseObject({
  /** an empty or duplicate id is replaced by repair */
  id: z.string().max(MAX_ID_LENGTH).default(''),
  from: zEndpoint,
  to: zEndpoint,
});

export const zPackRef = z.looseObject({
  id: zId,
  sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, 'expected 64 hex digits'),
  url: z.string(),
});

export const zAsset = z.looseObject({
  mime: z.string().regex(/^image\/[a-z0-9.+-]+$/i, 'expected an image MIME type such as "image/png"'),
  name: z.string().optional(),
  data: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64 data'),
});

export const zGraphDocument = z.looseObject({
  format: z.literal(GRAPH_FORMAT),
  version: z.literal(GRAPH_VERSION),
  name: z.string().default('Untitled graph'),
  nodes: z.array(zGraphNode).max(MAX_NODES),
  connections: z.array(zConnection).max(MAX_CONNECTIONS).default([]),
  packs: z.array(zPackRef).max(MAX_PACKS).default([]),
  assets: z.record(z.string(), zAsset).default({}),
});

export type GraphDocument = z.infer<typeof zGraphDocument>;
export type GraphNode = z.infer<typeof zGraphNode>;
export type GraphConnection = z.infer<typeof zConnection>;
export type Endpoint = z.infer<typeof zEndpoint>;
export type PackRef = z.infer<typeof zPackRef>;
export type GraphAsset = z.infer<typeof zAsset>;

export type ParseResult = { ok: true; doc: GraphDocument; warnings: string[] } | { ok: false; errors: string[] };

export function createEmptyGraph(name: string): GraphDocument {
  return {
    format: GRAPH_FORMAT,
    version: GRAPH_VERSION,
    name,
    nodes: [],
    connections: [],
    packs: [],
    assets: {},
  };
}

/** Pretty JSON; the key order of the document is kept so files diff nicely. */
export function serializeGraph(doc: GraphDocument): string {
  return JSON.stringify(doc, null, 2) + '\n';
}

/** Size check for a file before it is read (the UI calls this with File.size). */
export function checkFileSize(bytes: number): string | null {
  if (bytes > MAX_FILE_BYTES) {
    return `file is too large: ${(bytes / 1024 / 1024).toFixed(1)} MB; the limit for a graph file is ${
      MAX_FILE_BYTES / 1024 / 1024
    } MB`;
  }
  return null;
}

/** The JSON of a file's text, refused by size before parsing (graph and delta files alike). */
export function parseJsonText(text: string): { ok: true; raw: unknown } | { ok: false; errors: string[] } {
  // A UTF-16 code unit is at least one byte, so this refuses oversize text without encoding it.
  const sizeError = checkFileSize(text.length);
  if (sizeError) return { ok: false, errors: [sizeError] };
  try {
    return { ok: true, raw: JSON.parse(text) };
  } catch (err) {
    return { ok: false, errors: [`invalid JSON: ${(err as Error).message}`] };
  }
}

/**
 * Parse a graph file's text: size limit, JSON, nesting depth, format/version, migrations,
 * schema, then validation and repair against the node registry. Never throws.
 */
export function parseGraphFile(text: string, registry: NodeRegistry): ParseResult {
  try {
    if (typeof text !== 'string') return { ok: false, errors: ['(root): expected the text of a JSON file'] };
    const parsed = parseJsonText(text);
    if (!parsed.ok) return parsed;
    return validateGraphObject(parsed.raw, registry);
  } catch (err) {
    // Last line of defence: a loader bug must surface as a message, never as a crash.
    return { ok: false, errors: [`could not load the graph: ${(err as Error)?.message ?? String(err)}`] };
  }
}

/** The same checks as parseGraphFile for an already parsed value (URL fragments, PNG chunks, IDB). */
export function validateGraphObject(raw: unknown, registry: NodeRegistry): ParseResult {
  try {
    const depthError = checkDepth(raw, MAX_JSON_DEPTH);
    if (depthError) return { ok: false, errors: [depthError] };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      return { ok: false, errors: [`(root): expected a graph object, got ${describeValue(raw)}`] };
    }
    const obj = raw as Record<string, unknown>;
    if (obj.format !== GRAPH_FORMAT) {
      return {
        ok: false,
        errors: [
          `format: expected "${GRAPH_FORMAT}", got ${describeValue(obj.format)} — this is not a Delta Studio graph file`,
        ],
      };
    }
    if (typeof obj.version !== 'number' || !Number.isInteger(obj.version) || obj.version < 0) {
      return { ok: false, errors: [`version: expected a whole number ≥ 0, got ${describeValue(obj.version)}`] };
    }
    if (obj.version > GRAPH_VERSION) {
      return {
        ok: false,
        errors: [
          `version: ${obj.version} is newer than this editor understands (up to ${GRAPH_VERSION}); update Delta Studio to open it`,
        ],
      };
    }
    const sizeErrors = checkCollectionSizes(obj);
    if (sizeErrors.length) return { ok: false, errors: sizeErrors };

    const migrated = migrate(obj);
    if (!migrated.ok) return migrated;

    const parsed = zGraphDocument.safeParse(migrated.value);
    if (!parsed.success) {
      return { ok: false, errors: capMessages(formatIssues(parsed.error.issues, migrated.value)) };
    }
    restoreProtoKeys(migrated.value, parsed.data);
    const repaired = repairGraph(parsed.data, registry);
    if (repaired.errors.length) return { ok: false, errors: capMessages(repaired.errors) };
    return { ok: true, doc: repaired.doc, warnings: capMessages([...migrated.warnings, ...repaired.warnings]) };
  } catch (err) {
    return { ok: false, errors: [`could not load the graph: ${(err as Error)?.message ?? String(err)}`] };
  }
}

/** Re-check a document produced in memory (after edits), same rules as loading a file. */
export function validateGraph(doc: GraphDocument, registry: NodeRegistry): ParseResult {
  return validateGraphObject(doc, registry);
}

/** Iterative depth check: recursion here would be the very stack overflow it guards against. */
export function checkDepth(value: unknown, maxDepth: number): string | null {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return `(root): JSON is nested more than ${maxDepth} levels deep; refusing it`;
    const children = Array.isArray(v) ? v : Object.values(v as object);
    for (const child of children) if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
  }
  return null;
}

function checkCollectionSizes(obj: Record<string, unknown>): string[] {
  const errors: string[] = [];
  const count = (v: unknown) => (Array.isArray(v) ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0);
  if (count(obj.nodes) > MAX_NODES) errors.push(`nodes: ${count(obj.nodes)} nodes; the limit is ${MAX_NODES}`);
  const conns = obj.connections ?? obj.links;
  if (count(conns) > MAX_CONNECTIONS)
    errors.push(`connections: ${count(conns)} connections; the limit is ${MAX_CONNECTIONS}`);
  if (count(obj.assets) > MAX_ASSETS) errors.push(`assets: ${count(obj.assets)} assets; the limit is ${MAX_ASSETS}`);
  return errors;
}
