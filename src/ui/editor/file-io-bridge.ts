// Import/export come from src/ui/io/file-io.ts (library/io engineer). Loaded through a glob so the
// editor builds and runs before that module lands; once it exists this resolves to it.
import type { GraphDocument, NodeRegistry, ParseResult } from '../../graph/document';

export interface FileIo {
  importFile(file: File): Promise<ParseResult>;
  exportJson(doc: GraphDocument): void | Promise<void>;
  exportPng(doc: GraphDocument, previewCanvas?: HTMLCanvasElement): void | Promise<void>;
  /** a graph carried in the page URL (share link), if the module supports it */
  graphFromLocation?(registry: NodeRegistry): ParseResult | null | Promise<ParseResult | null>;
}

const modules = import.meta.glob('../io/file-io.ts') as Record<string, () => Promise<FileIo>>;

export async function loadFileIo(): Promise<FileIo | null> {
  const load = Object.values(modules)[0];
  return load ? await load() : null;
}
