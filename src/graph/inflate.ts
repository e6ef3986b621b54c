// Decompression with a byte budget checked while it streams: a small compressed chunk (a PNG
// iTXt/zTXt, a share link) cannot make us allocate or spend time on more than `limit` bytes.
import { Inflate, Unzlib } from 'fflate';

/** Compressed input is fed in slices this big, so one step can produce at most ~1 MB (deflate's 1032:1). */
const SLICE = 1024;

export class InflateBudgetError extends Error {}

/**
 * Inflate `data` (zlib or raw deflate), refusing as soon as the output passes `limit` bytes:
 * throws InflateBudgetError(`tooBig()`); a damaged stream throws the decoder's Error.
 */
export function inflateWithBudget(
  data: Uint8Array,
  limit: number,
  format: 'zlib' | 'raw',
  tooBig: () => string,
): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const onData = (chunk: Uint8Array) => {
    total += chunk.length;
    if (total > limit) throw new InflateBudgetError(tooBig());
    parts.push(chunk);
  };
  const stream = format === 'zlib' ? new Unzlib(onData) : new Inflate(onData);
  if (data.length === 0) throw new Error('no compressed data');
  for (let at = 0; at < data.length; at += SLICE) {
    const end = Math.min(data.length, at + SLICE);
    stream.push(data.subarray(at, end), end === data.length);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
