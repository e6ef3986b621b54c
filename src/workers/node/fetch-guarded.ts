// Network reads of the headless runner for URLs nobody named on the command line (`--allow-network`):
// the host's DNS answers are checked when the connection is made, so a public name that resolves
// to a loopback, link-local or private address is refused (checking the name alone let
// `http://my-router.example/` reach 192.168.0.1). Checking at connect time, not before the request,
// also closes the gap in which a second DNS answer could differ from the first (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { ReadRefusedError } from '../fetch-capped';

/** Loopback, link-local, private and unspecified hosts: never fetched unless named on the command line. */
export function isPrivateHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h === '' || h === '0.0.0.0' || h === '::' || h === '::1')
    return true;
  if (
    /^(127|10)\./.test(h) ||
    /^169\.254\./.test(h) ||
    /^192\.168\./.test(h) ||
    /^172\.(1[6-9]|2\d|3[01])\./.test(h) ||
    /^0\./.test(h)
  )
    return true;
  if (/^(fc|fd|fe8|fe9|fea|feb)/.test(h) && h.includes(':')) return true;
  if (/^::ffff:/.test(h)) return isPrivateHost(h.slice(7));
  // integer or hex forms of an IPv4 address (http://2130706433/) are refused rather than parsed
  if (/^(0x[0-9a-f]+|\d+)$/.test(h)) return true;
  return false;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** dns.lookup's shape: what `http.get({ lookup })` calls to resolve a host name. */
export type Resolver = (hostname: string, options: object, callback: LookupCallback) => void;

export interface GuardedFetchOptions {
  maxBytes: number;
  timeoutMs: number;
  /** the DNS resolver (default: the system's, dns.lookup) */
  resolve?: Resolver;
  /** addresses that must not be connected to (default: isPrivateHost) */
  refuse?: (address: string) => boolean;
}

function guardedLookup(resolve: Resolver, refuse: (address: string) => boolean): Resolver {
  return (hostname, options, callback) =>
    resolve(hostname, options, (err, address, family) => {
      if (err) return callback(err, address, family);
      const list = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const bad = list.find(refuse);
      if (bad !== undefined) {
        return callback(
          new ReadRefusedError(
            `${hostname} resolves to ${bad}, a local or private address; fetch it only by naming it with --allow`,
          ),
          address,
          family,
        );
      }
      callback(null, address, family);
    });
}

/** GET `url` (http or https) with a timeout, a size cap checked as the body streams, no redirects, and
 * every DNS answer for its host checked by `refuse` before connecting. */
export function fetchGuarded(url: string, options: GuardedFetchOptions): Promise<Uint8Array> {
  const { maxBytes, timeoutMs } = options;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const target = new URL(url);
  const lookup = guardedLookup(options.resolve ?? (dnsLookup as unknown as Resolver), options.refuse ?? isPrivateHost);
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | null, body?: Uint8Array) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        request.destroy();
        reject(err);
      } else resolve(body!);
    };
    const timer = setTimeout(
      () => finish(new ReadRefusedError(`${url} did not answer within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    const request = client.get(target, { lookup: lookup as never, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400) {
        const where = res.headers.location ? ` (${res.headers.location})` : '';
        return finish(new ReadRefusedError(`${url} redirects elsewhere${where}; give the final address instead`));
      }
      if (status < 200 || status >= 300)
        return finish(new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBytes)
        return finish(new ReadRefusedError(`${url} is ${mb(declared)}; the limit is ${mb(maxBytes)}`));
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes)
          finish(new ReadRefusedError(`${url} sends more than ${mb(maxBytes)}; the limit is ${mb(maxBytes)}`));
        else chunks.push(chunk);
      });
      res.on('end', () => finish(null, new Uint8Array(Buffer.concat(chunks))));
      res.on('error', (err) => finish(err));
    });
    request.on('error', (err) => finish(err));
  });
}
