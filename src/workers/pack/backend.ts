// Picks the onnxruntime build and execution provider for a preference: WebGPU (its own ORT build,
// imported only when used, with fp16 variants) when the browser gives an adapter, WASM otherwise.
import type { Backend, EpPreference } from './manager';
import type { OrtModule } from './runtime';

interface GpuLike {
  requestAdapter(): Promise<unknown | null>;
}

export async function selectBackend(
  preference: EpPreference,
  wasm: { ort: OrtModule; sessionOptions?: Record<string, unknown> },
  loadWebgpuOrt: () => Promise<OrtModule>,
  gpu: GpuLike | undefined = (globalThis.navigator as (Navigator & { gpu?: GpuLike }) | undefined)?.gpu,
): Promise<Backend> {
  const wasmBackend = (note: string): Backend => ({
    ort: wasm.ort,
    sessionOptions: wasm.sessionOptions ?? {},
    ep: 'wasm',
    variant: null,
    note,
  });
  if (preference === 'wasm') return wasmBackend('WASM (chosen in settings)');
  const fallback = preference === 'webgpu' ? 'WebGPU was chosen but' : 'auto:';
  if (!gpu) return wasmBackend(`${fallback} this browser has no WebGPU (navigator.gpu is missing); running on WASM`);
  let adapter: unknown = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch (e) {
    return wasmBackend(`${fallback} requesting a WebGPU adapter failed (${(e as Error).message}); running on WASM`);
  }
  if (!adapter)
    return wasmBackend(
      `${fallback} the browser gives no WebGPU adapter (GPU disabled or blocklisted); running on WASM`,
    );
  try {
    const ort = await loadWebgpuOrt();
    // ops WebGPU lacks fall back to the CPU kernels of the same build
    return {
      ort,
      sessionOptions: { executionProviders: ['webgpu', 'wasm'] },
      ep: 'webgpu',
      variant: 'fp16',
      note: `WebGPU (${preference === 'auto' ? 'auto' : 'chosen in settings'})`,
    };
  } catch (e) {
    return wasmBackend(
      `${fallback} the WebGPU build of onnxruntime did not load (${(e as Error).message}); running on WASM`,
    );
  }
}
