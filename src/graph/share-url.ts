// A small graph carried in a link: deflate + base64url in the URL fragment (`#graph=…`). The
// fragment never reaches a server, and decoding goes through the same validation as a file.
import { deflateSync, strToU8 } from 'fflate';
import { inflateWithBudget } from './inflate';
import { parseGraphFile, type GraphDocument, type NodeRegistry, type ParseResult } from './document';

export const SHARE_PREFIX = '#graph=';
/** Longer fragments are refused: browsers, chat apps and QR codes handle ~8 KB links reliably. */
export const MAX_SHARE_FRAGMENT = 8 * 1024;
/** An inflated link graph larger than this is refused (a link cannot legitimately carry more). */
const MAX_SHARE_JSON = 1024 * 1024;

function toBase64Url(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error('the link is damaged (unexpected characters in the graph data)');
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** `#graph=<deflated JSON, base64url>`, or why the graph is too big for a link. */
export function encodeGraphToFragment(
  doc: GraphDocument,
): { ok: true; fragment: string } | { ok: false; error: string } {
  const json = JSON.stringify(doc);
  const fragment = SHARE_PREFIX + toBase64Url(deflateSync(strToU8(json), { level: 9 }));
  if (fragment.length > MAX_SHARE_FRAGMENT) {
    const assets = Object.keys(doc.assets ?? {}).length;
    return {
      ok: false,
      error:
        `this graph is too big for a link: ${(fragment.length / 1024).toFixed(1)} KB of the ${MAX_SHARE_FRAGMENT / 1024} KB limit` +
        (assets ? ` (it carries ${assets} embedded image${assets > 1 ? 's' : ''})` : '') +
        '; export it as a file instead',
    };
  }
  return { ok: true, fragment };
}

/** Whether a URL hash looks like a shared graph (so the app knows to try loading it). */
export function isGraphFragment(hash: string): boolean {
  return hash.startsWith(SHARE_PREFIX);
}

/** Decodes and validates a shared graph from a URL hash (with or without the leading `#`). */
export function decodeGraphFromFragment(hash: string, registry: NodeRegistry): ParseResult {
  const text = hash.startsWith('#') ? hash : '#' + hash;
  if (!text.startsWith(SHARE_PREFIX))
    return { ok: false, errors: [`link: expected a fragment starting with "${SHARE_PREFIX}"`] };
  const payload = text.slice(SHARE_PREFIX.length);
  if (!payload) return { ok: false, errors: ['link: it carries no graph (nothing follows "#graph=")'] };
  if (payload.length > MAX_SHARE_FRAGMENT) {
    return {
      ok: false,
      errors: [
        `link: the graph data is ${(payload.length / 1024).toFixed(1)} KB; the limit is ${MAX_SHARE_FRAGMENT / 1024} KB`,
      ],
    };
  }
  let json: string;
  try {
    const inflated = inflateWithBudget(
      fromBase64Url(payload),
      MAX_SHARE_JSON,
      'raw',
      () => 'the graph in the link expands past 1 MB',
    );
    json = new TextDecoder('utf-8', { fatal: true }).decode(inflated);
  } catch (err) {
    return { ok: false, errors: [`link: cannot decode the graph: ${(err as Error).message}`] };
  }
  return parseGraphFile(json, registry);
}
