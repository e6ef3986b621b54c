// The output folder of a headless batch: result PNGs by content hash, the append-only manifest
// (resume), results.csv, one JSON line per item on stdout and a progress bar on a terminal.
import { appendFile, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { ItemRecord } from '../../src/batch/item';
import {
  CSV_FILE,
  MANIFEST_FILE,
  formatEta,
  eta,
  headerLine,
  itemJsonLine,
  parseManifest,
  recordLine,
  resultsCsv,
  type ManifestHeader,
} from '../../src/batch/manifest';

const exists = (file: string) =>
  stat(file).then(
    () => true,
    () => false,
  );

export class BatchOutput {
  private done = 0;
  private failed = 0;
  private bar: cliProgress.SingleBar | null = null;
  private started = Date.now();
  /** records of this batch's items, by key */
  readonly records = new Map<string, ItemRecord>();
  /** manifest lines are appended one after another, never interleaved */
  private writing: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly previous: Map<string, ItemRecord>,
    private total: number,
    private readonly print: (line: string) => void,
  ) {}

  /** Opens (or creates) the folder and reads what an earlier run of the batch finished. */
  static async open(
    dir: string,
    header: ManifestHeader,
    options: { print?: (line: string) => void; warn?: (m: string) => void } = {},
  ): Promise<BatchOutput> {
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, MANIFEST_FILE);
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new Error(`cannot read ${file}: ${(e as Error).message}`);
    }
    const manifest = parseManifest(text);
    if (manifest.skipped)
      options.warn?.(`${file}: ${manifest.skipped} unreadable line(s) skipped (an item cut off by a crash runs again)`);
    if (manifest.header && manifest.header.graph.sha256 !== header.graph.sha256) {
      options.warn?.(
        `${dir} holds results of another graph ("${manifest.header.graph.name}"); its items are kept, this graph's items are computed anew`,
      );
    }
    // a line cut off by a crash must not glue onto the next record
    if (text && !text.endsWith('\n')) await appendFile(file, '\n');
    if (!manifest.header || manifest.header.graph.sha256 !== header.graph.sha256)
      await appendFile(file, headerLine(header));
    return new BatchOutput(dir, manifest.records, 0, options.print ?? ((l) => process.stdout.write(l + '\n')));
  }

  /** A finished item from an earlier run whose result files are all still there, or null. */
  async resumable(key: string): Promise<ItemRecord | null> {
    const r = this.previous.get(key);
    if (!r || r.status !== 'done') return null;
    for (const img of r.images) if (!(await exists(path.join(this.dir, img.file)))) return null;
    return r;
  }

  start(total: number, showBar: boolean): void {
    this.total = total;
    this.started = Date.now();
    if (!showBar) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: 'batch [{bar}] {value}/{total} | {failed} failed | ETA {etaText}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(total, 0, { failed: 0, etaText: '…' });
  }

  /** An item from an earlier run, counted and reported without recomputing it. */
  resumed(record: ItemRecord): void {
    this.records.set(record.key, record);
    this.count(record, true);
  }

  /** Writes a new item's PNGs (content-hash names: a retried item writes identical bytes) and its manifest line. */
  async finished(record: ItemRecord, pngs: Map<string, Uint8Array>): Promise<void> {
    for (const [file, bytes] of pngs) {
      const target = path.join(this.dir, file);
      if (await exists(target)) continue;
      // written whole or not at all: a crash never leaves half a PNG under its final name
      const tmp = `${target}.${process.pid}.tmp`;
      await writeFile(tmp, bytes);
      await rename(tmp, target);
    }
    const line = recordLine(record);
    this.writing = this.writing.then(() => appendFile(path.join(this.dir, MANIFEST_FILE), line));
    await this.writing;
    this.records.set(record.key, record);
    this.count(record, false);
  }

  private count(record: ItemRecord, resumed: boolean): void {
    this.done++;
    if (record.status === 'error') this.failed++;
    this.print(itemJsonLine(record, { done: this.done, total: this.total, ...(resumed ? { resumed: true } : {}) }));
    this.bar?.update(this.done, {
      failed: this.failed,
      etaText: formatEta(eta(this.done, this.total, Date.now() - this.started)),
    });
  }

  /** Writes results.csv for the items in input order; stops the bar. */
  async close(
    order: string[],
    imageLabels: string[],
    valueColumns: string[],
  ): Promise<{ failed: ItemRecord[]; csv: string }> {
    this.bar?.stop();
    const records = order.map((k) => this.records.get(k)).filter((r): r is ItemRecord => Boolean(r));
    const csv = path.join(this.dir, CSV_FILE);
    await writeFile(csv, resultsCsv(records, imageLabels, valueColumns));
    return { failed: records.filter((r) => r.status === 'error'), csv };
  }
}
