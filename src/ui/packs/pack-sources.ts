// Where the bytes of a pack come from in the page: a manifest URL (streamed download with
// progress), picked files or a folder, a .zip (unpacked with fflate), or a drop on the editor.
import { unzipSync } from 'fflate';
import type { PackFileInput } from '../../workers/pack/manager';
import type { PackManifest } from '../../graph/types';
import { parsePackManifest } from '../../workers/pack/manifest';
import { PackRefusedError, variantsOf } from '../../workers/pack/validate';
import { readBodyCapped } from '../../workers/fetch-capped';

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
      for (const [inner, data] of Object.entries(entries))
        if (!inner.endsWith('/')) out.push({ path: inner, bytes: data });
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

/** A manifest larger than this is not a manifest. */
const MAX_MANIFEST_BYTES = 1024 * 1024;
/** A model file with no size in its manifest is cut off past this. */
const MAX_PACK_FILE_BYTES = 2 * 1024 * 1024 * 1024;

/** GET `url` as bytes, at most `maxBytes` (checked as it streams), reporting each chunk as it arrives. */
async function fetchStreamed(
  url: string,
  signal: AbortSignal | undefined,
  onChunk: (bytes: number, contentLength: number) => void,
  maxBytes: number,
): Promise<Uint8Array> {
  const res = await fetch(url, { signal });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${res.statusText}`.trim());
  const length = Number(res.headers.get('Content-Length')) || 0;
  const counting = new Response(
    res.body?.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          onChunk(chunk.byteLength, length);
          controller.enqueue(chunk);
        },
      }),
    ) ?? null,
    { headers: res.headers },
  );
  return readBodyCapped(counting, maxBytes, url);
}

/**
 * Downloads a pack from its manifest URL: the manifest, then every model file (and variant) it
 * names, relative to the manifest. The engine verifies the sha256 of each before storing.
 */
export async function downloadPack(
  manifestUrl: string,
  onProgress: (p: DownloadProgress) => void,
  signal?: AbortSignal,
): Promise<PackFileInput[]> {
  let url: URL;
  try {
    url = new URL(manifestUrl, typeof location === 'undefined' ? undefined : location.href);
  } catch {
    throw new Error(`"${manifestUrl}" is not a URL`);
  }
  const manifestBytes = await fetchStreamed(url.href, signal, () => undefined, MAX_MANIFEST_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(manifestBytes));
  } catch (e) {
    throw new Error(`${url.href} is not a pack manifest: not valid JSON (${(e as Error).message})`);
  }
  // the whole manifest is validated before any file is requested: its file names are plain
  // relative names, so every request stays inside the pack's folder on the manifest's host
  let manifest: PackManifest;
  try {
    manifest = parsePackManifest(json, url.href);
  } catch (e) {
    throw new PackRefusedError([(e as Error).message]);
  }
  const folder = new URL('./', url);
  const wanted: { file: string; bytes: number; href: string }[] = [];
  for (const entry of Object.values(manifest.models)) {
    if (!entry) continue;
    for (const e of [entry, ...Object.values(variantsOf(entry))]) {
      if (wanted.some((w) => w.file === e.file)) continue;
      const href = new URL(e.file, folder).href;
      if (!href.startsWith(folder.href))
        throw new PackRefusedError([
          `${e.file}: resolves outside the pack folder (${href}); refused before downloading anything`,
        ]);
      wanted.push({ file: e.file, bytes: e.bytes ?? 0, href });
    }
  }
  const known = wanted.every((w) => w.bytes > 0);
  let total = known ? wanted.reduce((n, w) => n + w.bytes, 0) : 0;
  let received = 0;
  const out: PackFileInput[] = [{ path: 'manifest.json', bytes: manifestBytes }];
  for (const { file, bytes: declared, href } of wanted) {
    let counted = false;
    const bytes = await fetchStreamed(
      href,
      signal,
      (n, contentLength) => {
        // without sizes in the manifest the total grows by each file's Content-Length as it starts
        if (!known && !counted) {
          total += contentLength;
          counted = true;
        }
        received += n;
        onProgress({ received, total, file });
      },
      declared > 0 ? declared : MAX_PACK_FILE_BYTES,
    );
    out.push({ path: file, bytes });
  }
  return out;
}
