// Small, fast, non-cryptographic hashing for cache keys. Collisions only cost a stale cache hit,
// and 64 bits make that vanishingly unlikely for the few hundred entries a session holds.
// sha256Hex (WebCrypto) is the one cryptographic hash: model files, packs, batch inputs and results.

const FNV_PRIME = 0x01000193;

/** 64-bit hash (two independent 32-bit FNV-1a lanes with different seeds) as 16 hex chars. */
export function hashString(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x2f1b3a5d;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, FNV_PRIME);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return finish(a, b);
}

function finish(a: number, b: number): string {
  // final avalanche so nearby inputs do not give nearby keys
  a ^= a >>> 16;
  a = Math.imul(a, 0x85ebca6b);
  a ^= a >>> 13;
  b ^= b >>> 16;
  b = Math.imul(b, 0xc2b2ae35);
  b ^= b >>> 13;
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}

/** JSON with object keys sorted at every level, so equal values give equal text. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return JSON.stringify(String(value));
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return '[' + value.map(stableStringify).join(',') + ']';
  const keys = Object.keys(value as Record<string, unknown>).sort();
  return (
    '{' +
    keys
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => JSON.stringify(k) + ':' + stableStringify((value as Record<string, unknown>)[k]))
      .join(',') +
    '}'
  );
}

/** Hash of any JSON-like value, independent of key order. */
export function hashValue(value: unknown): string {
  return hashString(stableStringify(value));
}

/** SHA-256 of bytes as 64 hex chars (WebCrypto: the browser, workers and Node alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
