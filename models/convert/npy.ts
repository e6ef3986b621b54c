// Minimal reader for the float32 .npy files convert.py writes as torch reference outputs.
import type { Tensor } from '../../src/graph/types';

/** Parses a little-endian float32, C-order .npy (format 1.0–3.0); anything else is refused by name. */
export function parseNpy(bytes: Uint8Array, name = 'npy'): Tensor {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== '\x93NUMPY') throw new Error(`${name}: not a .npy file`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLen));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  if (descr !== '<f4' && descr !== '<f8') throw new Error(`${name}: expected float32 ('<f4') or float64 ('<f8'), got ${descr}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${name}: Fortran order is not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new Error(`${name}: header has no shape`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const count = dims.reduce((a, b) => a * b, 1);
  const start = headerStart + headerLen;
  // copy: the payload offset is not always 4-byte aligned inside the file buffer; float64 (numpy's
  // default, e.g. InterFaceGAN boundaries) is brought down to float32
  const width = descr === '<f8' ? 8 : 4;
  const raw = bytes.slice(start, start + count * width).buffer;
  const data = width === 8 ? Float32Array.from(new Float64Array(raw)) : new Float32Array(raw);
  if (data.length !== count) throw new Error(`${name}: ${data.length} values, shape needs ${count}`);
  return { data, dims };
}
