// Graph-document assets (uploaded faces, base64 in the file) as an AssetStore of bytes.
import type { AssetStore } from './types';
import { ownValue } from './plain-data';

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(binary);
}

export function base64ToBytes(b64: string): Uint8Array {
  // tolerate a data: URL prefix and whitespace from hand-edited files
  const clean = b64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  const bin = atob(clean);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Decodes each asset once, on first use; a malformed one fails with its id named. */
export function assetStoreFromDoc(assets: Record<string, { data: string }> | undefined): AssetStore {
  const cache = new Map<string, Uint8Array>();
  return {
    get(id) {
      const hit = cache.get(id);
      if (hit) return hit;
      const asset = ownValue(assets, id);
      if (!asset) return undefined;
      let bytes: Uint8Array;
      try {
        bytes = base64ToBytes(asset.data);
      } catch {
        throw new Error(`asset "${id}" is not valid base64`);
      }
      cache.set(id, bytes);
      return bytes;
    },
  };
}
