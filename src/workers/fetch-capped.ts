// Reading an HTTP response body with a size cap checked as it streams (an endless or huge body
// is cut off at the cap, not buffered), shared by the engine worker, the headless runner's read
// policy and the pack download.

export class ReadRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReadRefusedError';
  }
}

/** The body of `res`, at most `maxBytes`; refuses a larger Content-Length before reading. */
export async function readBodyCapped(res: Response, maxBytes: number, what: string): Promise<Uint8Array> {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
  const declared = Number(res.headers.get('Content-Length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw new ReadRefusedError(`${what} is ${mb(declared)}; the limit is ${mb(maxBytes)}`);
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw new ReadRefusedError(`${what} sends more than ${mb(maxBytes)}; the limit is ${mb(maxBytes)}`);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** GET `url` with a timeout and a size cap; HTTP errors and timeouts become clear messages. */
export async function fetchCapped(
  url: string,
  options: { maxBytes: number; timeoutMs: number; signal?: AbortSignal; redirect?: RequestRedirect },
): Promise<Uint8Array> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: options.redirect ?? 'follow' });
    if (res.type === 'opaqueredirect' || (res.status >= 300 && res.status < 400)) {
      throw new ReadRefusedError(
        `${url} redirects elsewhere${res.headers.get('Location') ? ` (${res.headers.get('Location')})` : ''}; give the final address instead`,
      );
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    return await readBodyCapped(res, options.maxBytes, url);
  } catch (err) {
    if (timeout.aborted) throw new ReadRefusedError(`${url} did not answer within ${options.timeoutMs / 1000} s`);
    throw err;
  }
}
