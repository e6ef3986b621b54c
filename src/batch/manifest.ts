// The batch manifest: what a resumed batch needs to know about the items already finished, and
// the CSV of results. An append-only JSON-lines file in Node (one header line, then one line per
// finished item, so a crash loses at most the item in flight); the browser keeps the same records
// in IndexedDB.
import type { ItemRecord } from './item';

export const MANIFEST_FORMAT = 'delta-studio/batch-manifest';
export const MANIFEST_FILE = 'batch-manifest.jsonl';
export const CSV_FILE = 'results.csv';

export interface ManifestHeader {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  graph: { name: string; sha256: string };
  /** the Load Face node the images are fed to */
  target: string;
}

export interface Manifest {
  header: ManifestHeader | null;
  /** finished items by key; a later line for the same key (a rerun of a failed item) wins */
  records: Map<string, ItemRecord>;
  /** lines that could not be read (a line torn by a crash): reported, not fatal */
  skipped: number;
}

export function headerLine(header: ManifestHeader): string {
  return JSON.stringify(header) + '\n';
}

export function recordLine(record: ItemRecord): string {
  return JSON.stringify({ item: record }) + '\n';
}

/** Reads a manifest's text; a torn or foreign line is skipped and counted, never fatal. */
export function parseManifest(text: string): Manifest {
  const manifest: Manifest = { header: null, records: new Map(), skipped: 0 };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      manifest.skipped++;
      continue;
    }
    const v = value as { format?: unknown; item?: Partial<ItemRecord> };
    if (v.format === MANIFEST_FORMAT) {
      manifest.header = value as ManifestHeader;
    } else if (
      v.item &&
      typeof v.item.key === 'string' &&
      typeof v.item.name === 'string' &&
      (v.item.status === 'done' || v.item.status === 'error')
    ) {
      manifest.records.set(v.item.key, { images: [], values: {}, ms: 0, inputSha256: '', ...v.item } as ItemRecord);
    } else {
      manifest.skipped++;
    }
  }
  return manifest;
}

function csvCell(value: string | number | undefined): string {
  if (value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(Math.round(value * 1e6) / 1e6) : '';
  // a leading = + - @ would run as a formula in a spreadsheet: quote it with a leading apostrophe
  const text = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * One row per item in the given order: file, status, error, each result image (its content-hash
 * file), then every number output of the graph (Measure's values, Compare's PSNR and identity).
 */
export function resultsCsv(records: ItemRecord[], imageLabels: string[], valueColumns: string[]): string {
  const head = ['file', 'status', 'error', ...imageLabels, ...valueColumns, 'ms'];
  const rows = [head.map(csvCell).join(',')];
  for (const r of records) {
    const images = imageLabels.map((label) => r.images.find((i) => i.label === label)?.file);
    rows.push(
      [r.name, r.status, r.error ?? '', ...images, ...valueColumns.map((c) => r.values[c]), Math.round(r.ms)]
        .map(csvCell)
        .join(','),
    );
  }
  return rows.join('\n') + '\n';
}

/** The JSON line printed for a finished item (stdout of the headless batch). */
export function itemJsonLine(record: ItemRecord, extra: { done: number; total: number; resumed?: boolean }): string {
  return JSON.stringify({
    file: record.name,
    status: record.status,
    ...(record.error ? { error: record.error } : {}),
    results: record.images.map((i) => i.file),
    values: record.values,
    ms: Math.round(record.ms),
    ...(extra.resumed ? { resumed: true } : {}),
    done: extra.done,
    total: extra.total,
  });
}

/** Progress figures shared by the terminal bar and the browser panel. */
export function eta(done: number, total: number, elapsedMs: number): number | null {
  if (done <= 0 || done >= total) return done >= total ? 0 : null;
  return (elapsedMs / done) * (total - done);
}

export function formatEta(ms: number | null): string {
  if (ms === null) return '…';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
