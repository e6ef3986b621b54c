// What a headless run may read. A graph someone shares must not make your machine read your
// files or your network: a graph's Load Face `url:` sources are read only when the user named
// them (or a folder or URL prefix above them) on the command line. Embedded assets need no
// permission. Network reads happen only for allowed URL prefixes (or any public http(s) address
// with `network: true`), with a timeout and a size cap; loopback and private addresses (by name or by
// what the name resolves to) only when named explicitly. Shared by `npm run graph` and the batch runner.
import { open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchCapped, ReadRefusedError } from '../fetch-capped';
import { fetchGuarded, isPrivateHost, type Resolver } from './fetch-guarded';

export { isPrivateHost, ReadRefusedError };

export interface ReadPolicyOptions {
  /** files and folders (everything inside) the run may read; relative ones resolve against `cwd` */
  allow?: readonly string[];
  /** also fetch any public http(s) URL (not loopback, link-local or private addresses) */
  network?: boolean;
  /** largest file or response body read, in bytes */
  maxBytes?: number;
  /** how long a network read may take */
  timeoutMs?: number;
  cwd?: string;
  /** the DNS resolver for `network` reads (default: the system's) */
  resolve?: Resolver;
}

export const DEFAULT_MAX_READ_BYTES = 40 * 1024 * 1024;
export const DEFAULT_READ_TIMEOUT_MS = 30_000;

export interface ReadPolicy {
  /**
   * Bytes of `ref` (a path, a file: URL or an http(s) URL; a relative path resolves against
   * `base`), or a ReadRefusedError saying why it may not be read and how to allow it.
   */
  read(ref: string, base?: string): Promise<Uint8Array>;
  /** the allowed files/folders (resolved) and URL prefixes, for messages and docs */
  readonly allowed: { paths: readonly string[]; urls: readonly string[]; network: boolean };
}

const HOW =
  'a graph may only use images embedded in it and the files or URLs given on the command line (--allow <file, folder or URL>)';

function isUrl(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(ref) && !/^[a-z]:[\\/]/i.test(ref);
}

export function createReadPolicy(options: ReadPolicyOptions = {}): ReadPolicy {
  const cwd = options.cwd ?? process.cwd();
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_READ_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const urls: string[] = [];
  const paths: string[] = [];
  for (const entry of options.allow ?? []) {
    if (/^https?:\/\//i.test(entry)) urls.push(new URL(entry).href);
    else paths.push(path.resolve(cwd, entry.startsWith('file:') ? fileURLToPath(entry) : entry));
  }
  // real paths of the allowed entries, resolved once (a symlink cannot lead a graph elsewhere)
  let realAllowed: Promise<string[]> | null = null;
  const allowedReal = () => (realAllowed ??= Promise.all(paths.map((p) => realpath(p).catch(() => p))));

  async function readFileChecked(file: string, shown: string): Promise<Uint8Array> {
    let real: string;
    try {
      real = await realpath(file);
    } catch {
      real = file;
    }
    const inside = (await allowedReal()).some(
      (a) => real === a || real.startsWith(a.endsWith(path.sep) ? a : a + path.sep),
    );
    if (!inside) throw new ReadRefusedError(`"${shown}" is not among the files this run may read: ${HOW}`);
    let info;
    try {
      info = await stat(real);
    } catch (err) {
      throw new Error(`cannot read "${shown}": ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    if (!info.isFile()) throw new ReadRefusedError(`"${shown}" is not a regular file`);
    if (info.size > maxBytes)
      throw new ReadRefusedError(
        `"${shown}" is ${(info.size / 1048576).toFixed(1)} MB; the limit is ${(maxBytes / 1048576).toFixed(1)} MB`,
      );
    // read at most maxBytes + 1, so a file that grows while it is read is still capped
    const handle = await open(real, 'r');
    try {
      const buffer = new Uint8Array(Math.min(maxBytes + 1, Math.max(info.size, 0) + 65_536));
      let length = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
        if (length > maxBytes)
          throw new ReadRefusedError(`"${shown}" is larger than ${(maxBytes / 1048576).toFixed(1)} MB`);
        if (length === buffer.length) break;
      }
      return buffer.subarray(0, length);
    } finally {
      await handle.close();
    }
  }

  async function readUrl(ref: string): Promise<Uint8Array> {
    let url: URL;
    try {
      url = new URL(ref);
    } catch {
      throw new ReadRefusedError(`"${ref.slice(0, 200)}" is not a valid URL`);
    }
    // redirects are refused: they could lead from an allowed address to one that is not
    if (urls.some((prefix) => url.href.startsWith(prefix)))
      return fetchCapped(url.href, { maxBytes, timeoutMs, redirect: 'manual' });
    if (!options.network) throw new ReadRefusedError(`${url.href} is not among the URLs this run may fetch: ${HOW}`);
    if (isPrivateHost(url.hostname)) {
      throw new ReadRefusedError(`${url.href} is a local or private address; fetch it only by naming it with --allow`);
    }
    // a public-looking name may still resolve to a private address: its DNS answers are checked as it connects
    return fetchGuarded(url.href, { maxBytes, timeoutMs, resolve: options.resolve });
  }

  return {
    allowed: { paths, urls, network: !!options.network },
    async read(ref: string, base?: string) {
      if (typeof ref !== 'string' || !ref) throw new ReadRefusedError('no file or URL given');
      if (isUrl(ref)) {
        if (/^https?:/i.test(ref)) return readUrl(ref);
        if (/^file:/i.test(ref)) {
          let file: string;
          try {
            file = fileURLToPath(ref);
          } catch {
            throw new ReadRefusedError(`"${ref.slice(0, 200)}" is not a valid file: URL`);
          }
          return readFileChecked(file, ref);
        }
        throw new ReadRefusedError(`"${ref.slice(0, 60)}": only files, file: URLs and http(s) URLs can be read`);
      }
      return readFileChecked(path.resolve(base ?? cwd, ref), ref);
    },
  };
}
