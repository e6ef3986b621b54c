// Big graphs are validated in a worker (graph-parse.worker.ts) so opening one does not block the
// main thread: parsing and repairing 10,000 nodes is a 0.3–1 s task. Small ones (and places with
// no Worker: Node, tests) are validated here, by the very same functions.
import { parseGraphFile, validateGraphObject, type NodeRegistry, type ParseResult } from './document';

/** Texts longer than this (characters; ~1,000 nodes) are parsed in a worker. */
export const OFF_THREAD_CHARS = 200_000;
/** Objects with more nodes than this are validated in a worker. */
export const OFF_THREAD_NODES = 1_000;

export interface ParseRequest {
  text?: string;
  value?: unknown;
  /** the registry's entries as plain data */
  catalog: { type: string }[];
}

/** The registry without functions (compute) and Vue proxies: what postMessage can copy. */
function plainCatalog(registry: NodeRegistry): { type: string }[] {
  return JSON.parse(JSON.stringify([...(registry as unknown as ReadonlyMap<string, object>).values()]));
}

function inWorker(request: Omit<ParseRequest, 'catalog'>, registry: NodeRegistry): Promise<ParseResult> | null {
  if (typeof Worker === 'undefined') return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL('../workers/graph-parse.worker.ts', import.meta.url), {
      type: 'module',
      name: 'graph-parse',
    });
  } catch {
    return null;
  }
  return new Promise<ParseResult>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<ParseResult>) => resolve(e.data);
    worker.onerror = (e) => reject(new Error(e.message || 'the graph parser failed'));
    worker.onmessageerror = () => reject(new Error('the graph parser sent an unreadable message'));
    worker.postMessage({ ...request, catalog: plainCatalog(registry) });
  }).finally(() => worker.terminate());
}

/** parseGraphFile, in a worker for a big text. */
export async function parseGraphText(text: string, registry: NodeRegistry): Promise<ParseResult> {
  if (text.length > OFF_THREAD_CHARS) {
    const result = await inWorker({ text }, registry)?.catch(() => null);
    if (result) return result;
  }
  return parseGraphFile(text, registry);
}

/** validateGraphObject, in a worker for a big graph. */
export async function validateGraphValue(value: unknown, registry: NodeRegistry): Promise<ParseResult> {
  const nodes = (value as { nodes?: unknown } | null)?.nodes;
  if (Array.isArray(nodes) && nodes.length > OFF_THREAD_NODES) {
    const result = await inWorker({ value }, registry)?.catch(() => null);
    if (result) return result;
  }
  return validateGraphObject(value, registry);
}
