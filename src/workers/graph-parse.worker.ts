// Validates a big graph (a file's text or a stored object) off the main thread, with the same
// function the main thread uses for small ones (graph/document.ts): one validation path. The node
// catalog comes with each request (plain data, no compute functions).
import { parseGraphFile, validateGraphObject, type NodeRegistry } from '../graph/document';
import type { ParseRequest } from '../graph/parse-off-thread';

self.onmessage = (e: MessageEvent<ParseRequest>) => {
  const { text, value, catalog } = e.data;
  const registry = new Map(catalog.map((d) => [d.type, d])) as unknown as NodeRegistry;
  const result = text !== undefined ? parseGraphFile(text, registry) : validateGraphObject(value, registry);
  self.postMessage(result);
};
