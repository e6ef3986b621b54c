// An image's format and size from its header, read before anything is decoded: a 1.6 MB PNG that
// claims 20000 x 20000 pixels is refused here instead of costing gigabytes in a decoder. Used by
// the headless decoder, the engine worker and the upload path alike.
import { MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE } from '../graph/limits';

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'bmp';
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
}

const u16be = (b: Uint8Array, i: number) => (b[i]! << 8) | b[i + 1]!;
const u16le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8);
const u24le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16);
const u32be = (b: Uint8Array, i: number) => ((b[i]! << 24) >>> 0) + ((b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!);
const i32le = (b: Uint8Array, i: number) => b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
const ascii = (b: Uint8Array, i: number, n: number) => String.fromCharCode(...b.subarray(i, i + n));

/** Format and size from the header; throws an Error naming what is wrong when the header is unreadable. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  const b = bytes;
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') {
    if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR')
      throw new Error('PNG is truncated or corrupt: no IHDR header chunk');
    return { format: 'png', width: u32be(b, 16), height: u32be(b, 20) };
  }
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8) {
    // walk the markers to the first start-of-frame (SOF0…SOF15 but DHT, JPG, DAC)
    let at = 2;
    while (at + 4 <= b.length) {
      if (b[at] !== 0xff) throw new Error(`JPEG is corrupt: expected a marker at byte ${at}`);
      const marker = b[at + 1]!;
      if (marker === 0xff) {
        at++;
        continue;
      }
      if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
        at += 2;
        continue;
      }
      if (marker === 0xd9 || marker === 0xda) break;
      const length = u16be(b, at + 2);
      if (length < 2) throw new Error(`JPEG is corrupt: segment of length ${length} at byte ${at}`);
      if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
        if (at + 9 > b.length) break;
        return { format: 'jpeg', width: u16be(b, at + 7), height: u16be(b, at + 5) };
      }
      at += 2 + length;
    }
    throw new Error('JPEG is truncated or corrupt: no frame header (SOF) before the image data');
  }
  if (b.length >= 10 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) {
    return { format: 'gif', width: u16le(b, 6), height: u16le(b, 8) };
  }
  if (b.length >= 30 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const chunk = ascii(b, 12, 4);
    if (chunk === 'VP8X') return { format: 'webp', width: u24le(b, 24) + 1, height: u24le(b, 27) + 1 };
    if (chunk === 'VP8L') {
      const bits = b[21]! | (b[22]! << 8) | (b[23]! << 16) | (b[24]! << 24);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    }
    if (chunk === 'VP8 ') return { format: 'webp', width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff };
    throw new Error(`WebP is corrupt: unknown chunk "${chunk.replace(/[^\x20-\x7e]/g, '?')}"`);
  }
  if (b.length >= 26 && ascii(b, 0, 2) === 'BM') {
    return { format: 'bmp', width: Math.abs(i32le(b, 18)), height: Math.abs(i32le(b, 22)) };
  }
  throw new Error('unsupported image format: expected PNG, JPEG, GIF, WebP or BMP');
}

/**
 * Refuses an image from its header: unreadable, 0 pixels, or larger than the limits. `what`
 * (optional) names it in the message: `"face.png": the PNG is …`. Returns the header.
 */
export function checkImageHeader(bytes: Uint8Array, what?: string): ImageHeader {
  const at = what ? `${what}: ` : '';
  let header: ImageHeader;
  try {
    header = readImageHeader(bytes);
  } catch (err) {
    throw new Error(`${at}${(err as Error).message}`);
  }
  const { width, height, format } = header;
  const name = format.toUpperCase();
  if (width < 1 || height < 1)
    throw new Error(`${at}the ${name} is ${width}×${height} pixels; an image needs at least 1×1`);
  if (width > MAX_IMAGE_SIDE || height > MAX_IMAGE_SIDE || width * height > MAX_IMAGE_PIXELS) {
    throw new Error(
      `${at}the ${name} is ${width}×${height} pixels (${((width * height) / 1e6).toFixed(1)} MP), too large: the limit is ${MAX_IMAGE_SIDE} pixels a side and ${MAX_IMAGE_PIXELS / 1e6} MP; refused before decoding`,
    );
  }
  return header;
}
