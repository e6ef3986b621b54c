// NumPy .npy (format 1.0) encoding, so Python training code can np.load the data sets directly.

export type NpyArray = Uint8Array | Uint8ClampedArray | Float32Array;

/** Header + little-endian data of a C-ordered array: uint8 ('|u1') or float32 ('<f4'). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape [${shape.join(', ')}] holds ${count} values but the data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // magic (6) + version (2) + header length (2) + header, padded with spaces to a multiple of 64, ending in \n
  const unpadded = 10 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  const headerBytes = new TextEncoder().encode(header);
  const bytes = data instanceof Float32Array ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
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
