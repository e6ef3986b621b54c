// Where the bytes of a pack come from in the page: a manifest URL (streamed download with
// progress), picked files or a folder, a .zip (unpacked with fflate), or a drop on the editor.
import { unzipSync } from 'fflate';
import type { PackFileInput } from '../../workers/pack/manager';

/** A file a drop or pick hands to the model manager rather than to the graph import. */
export function isPackFile(name: string): boolean {
  const base = name.split('/').pop()!.toLowerCase();
  return base === 'manifest.json' || base.endsWith('.onnx') || base.endsWith('.zip');
}

/** The pack files among picked or dropped files: zips unpacked, folder paths kept (webkitRelativePath). */
export async function filesFromPicked(picked: Iterable<File>): Promise<PackFileInput[]> {
  const out: PackFileInput[] = [];
  for (const file of picked) {
    const path = file.webkitRelativePath || file.name;
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (path.toLowerCase().endsWith('.zip')) {
      let entries: Record<string, Uint8Array>;
      try {
        entries = unzipSync(bytes);
      } catch (e) {
        throw new Error(`${file.name}: not a readable zip archive (${(e as Error).message})`);
      }
      for (const [inner, data] of Object.entries(entries)) if (!inner.endsWith('/')) out.push({ path: inner, bytes: data });
    } else out.push({ path, bytes });
  }
  return out;
}

/** What picked files are called in the pack list's "from" column. */
export function originOf(picked: File[]): string {
  const zip = picked.find((f) => f.name.toLowerCase().endsWith('.zip'));
  if (zip) return `zip: ${zip.name}`;
  const folder = picked[0]?.webkitRelativePath?.split('/')[0];
  return folder ? `folder: ${folder}` : 'local files';
}

export interface DownloadProgress {
  /** bytes received over all files so far */
  received: number;
  /** expected bytes over all files (manifest sizes or Content-Length), 0 when unknown */
  total: number;
  file: string;
}

/** GET `url` as bytes, reporting each chunk as it streams in. */
async function fetchStreamed(url: string, signal: AbortSignal | undefined, onChunk: (bytes: number, contentLength: number) => void): Promise<Uint8Array> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  const length = Number(res.headers.get('Content-Length')) || 0;
  if (!res.body) {
    const whole = new Uint8Array(await res.arrayBuffer());
    onChunk(whole.byteLength, length);
    return whole;
  }
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    onChunk(value.byteLength, length);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/**
 * Downloads a pack from its manifest URL: the manifest, then every model file (and variant) it
 * names, relative to the manifest. The engine verifies the sha256 of each before storing.
 */
export async function downloadPack(manifestUrl: string, onProgress: (p: DownloadProgress) => void, signal?: AbortSignal): Promise<PackFileInput[]> {
  let url: URL;
  try {
    url = new URL(manifestUrl, typeof location === 'undefined' ? undefined : location.href);
  } catch {
    throw new Error(`"${manifestUrl}" is not a URL`);
  }
  const manifestBytes = await fetchStreamed(url.href, signal, () => undefined);
  let manifest: { models?: Record<string, { file?: unknown; bytes?: unknown; variants?: Record<string, { file?: unknown; bytes?: unknown }> }> };
  try {
    manifest = JSON.parse(new TextDecoder().decode(manifestBytes));
  } catch (e) {
    throw new Error(`${url.href} is not a pack manifest: not valid JSON (${(e as Error).message})`);
  }
  if (!manifest || typeof manifest.models !== 'object' || manifest.models === null) throw new Error(`${url.href} is not a pack manifest: it has no "models"`);
  const wanted: { file: string; bytes: number }[] = [];
  for (const entry of Object.values(manifest.models)) {
    for (const e of [entry, ...Object.values(entry?.variants ?? {})]) {
      if (typeof e?.file === 'string' && !wanted.some((w) => w.file === e.file)) wanted.push({ file: e.file, bytes: typeof e.bytes === 'number' ? e.bytes : 0 });
    }
  }
  const known = wanted.every((w) => w.bytes > 0);
  let total = known ? wanted.reduce((n, w) => n + w.bytes, 0) : 0;
  let received = 0;
  const out: PackFileInput[] = [{ path: 'manifest.json', bytes: manifestBytes }];
  for (const { file } of wanted) {
    let counted = false;
    const bytes = await fetchStreamed(new URL(file, url).href, signal, (n, contentLength) => {
      // without sizes in the manifest the total grows by each file's Content-Length as it starts
      if (!known && !counted) {
        total += contentLength;
        counted = true;
      }
      received += n;
      onProgress({ received, total, file });
    });
    out.push({ path: file, bytes });
  }
  return out;
}
