// NumPy .npy: encoding (format 1.0, so Python training code can np.load the data sets directly) and
// reading float32/float64 arrays (torch reference outputs, InterFaceGAN boundaries).
import type { Tensor } from '../graph/types';

export type NpyArray = Uint8Array | Uint8ClampedArray | Float32Array;

/** Header + little-endian data of a C-ordered array: uint8 ('|u1') or float32 ('<f4'). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values but the data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const bytes =
    data instanceof Float32Array
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + headerBytes.length + bytes.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = headerBytes.length & 0xff;
  out[9] = headerBytes.length >> 8;
  out.set(headerBytes, 10);
  out.set(bytes, 10 + headerBytes.length);
  return out;
}

/** Just the header of an .npy file whose data will be streamed after it. */
export function npyHeader(descr: '<f4' | '|u1', shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const out = new Uint8Array(10 + headerBytes.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = headerBytes.length & 0xff;
  out[9] = headerBytes.length >> 8;
  out.set(headerBytes, 10);
  return out;
}

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
  if (descr !== '<f4' && descr !== '<f8')
    throw new Error(`${name}: expected float32 ('<f4') or float64 ('<f8'), got ${descr}`);
  if (/'fortran_order':\s*True/.test(header)) throw new Error(`${name}: Fortran order is not supported`);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (shapeText === undefined) throw new Error(`${name}: header has no shape`);
  const dims = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
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
