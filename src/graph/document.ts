// The graph document (`*.dge.json`): parsing with size limits, migrations, the schema
// (schema.ts), validation and repair (repair.ts); serialisation. The one entry point for every
// graph that comes in. Pure TypeScript so it runs in the UI, in workers and in Node alike.
import { formatIssues, describeValue, capMessages } from './issues';
import { MAX_ASSETS, MAX_CONNECTIONS, MAX_FILE_BYTES, MAX_JSON_DEPTH, MAX_NODES } from './limits';
import { migrate } from './migrations';
import { restoreProtoKeys } from './plain-data';
import { repairGraph } from './repair';
import { GRAPH_FORMAT, GRAPH_VERSION, zGraphDocument, type GraphDocument, type NodeRegistry } from './schema';

export * from './schema';

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
