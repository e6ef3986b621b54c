// Which onnxruntime build runs models in Node: onnxruntime-node (native CPU, an optional
// dependency that ships its binaries in the npm package) where it installed and loads, otherwise
// onnxruntime-web's wasm build, which runs everywhere.
import type { OrtModule } from '../pack/runtime';

export type NodeBackendChoice = 'auto' | 'native' | 'wasm';

export interface NodeBackend {
  name: 'native' | 'wasm';
  /** what createNodePackRuntime takes; undefined = its default (onnxruntime-web, wasm) */
  runtime?: { ort: OrtModule; sessionOptions: Record<string, unknown> };
  /** why native is not used, when it was asked for or tried */
  fallback?: string;
}

/**
 * Loads the backend for a choice. `auto` tries native and falls back to wasm with the reason;
 * `native` fails when onnxruntime-node cannot load; `threads` is each session's intra-op threads
 * (1 when several processes share the cores).
 */
export async function loadNodeBackend(choice: NodeBackendChoice, threads = 1): Promise<NodeBackend> {
  if (choice === 'wasm') return { name: 'wasm' };
  try {
    const native = (await import('onnxruntime-node')) as unknown as OrtModule & { default?: OrtModule };
    const ort = (native.InferenceSession ? native : native.default) as OrtModule;
    if (!ort?.InferenceSession) throw new Error('onnxruntime-node has no InferenceSession');
    return {
      name: 'native',
      runtime: {
        ort,
        sessionOptions: {
          executionProviders: ['cpu'],
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
        },
      },
    };
  } catch (e) {
    const reason = `onnxruntime-node is not available (${(e as Error).message.split('\n')[0]})`;
    if (choice === 'native') throw new Error(`${reason}; install it with npm install, or use --backend wasm`);
    return { name: 'wasm', fallback: reason };
  }
}
