// The images of a headless batch: a folder (walked recursively), a zip, or a glob, as given on the
// command line (--inputs). Names are paths relative to the folder, the zip or the glob's base, so
// the same inputs give the same names (and resume keys) wherever they are.
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { IMAGE_EXTENSIONS } from '../../src/batch/item';

/** Most bytes read from one zip (compressed) or taken from one of its entries (inflated). */
const MAX_ZIP_BYTES = 2 * 1024 * 1024 * 1024;
const MAX_IMAGE_BYTES = 64 * 1024 * 1024;

export interface InputRef {
  name: string;
  /** reads the bytes when the item is about to run (folders and globs), so a big batch is not held in memory */
  read(): Promise<Uint8Array>;
}

/** Relative paths ('/'-separated) of the files under a folder, images only unless `all`. */
async function walk(dir: string, base: string, out: string[], all = false): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) await walk(full, base, out, all);
    else if (e.isFile() && (all || IMAGE_EXTENSIONS.test(e.name)))
      out.push(path.relative(base, full).split(path.sep).join('/'));
  }
}

const fileRef = (full: string, name: string): InputRef => ({
  name,
  async read() {
    const bytes = await readFile(full);
    if (bytes.length > MAX_IMAGE_BYTES)
      throw new Error(
        `${name} is ${(bytes.length / 1048576).toFixed(0)} MB; the limit for one image is ${MAX_IMAGE_BYTES / 1048576} MB`,
      );
    return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  },
});

/** A glob's pattern as a regular expression over '/'-separated relative paths (*, **, ?, [..]). */
export function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // '**/' matches any number of folders, '**' at the end anything
      if (pattern[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i++;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += pattern.slice(i, end + 1);
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

async function listGlob(pattern: string): Promise<InputRef[]> {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => /[*?[]/.test(p));
  const base = parts.slice(0, firstGlob).join('/') || '.';
  const re = globRegExp(parts.slice(firstGlob).join('/'));
  const all: string[] = [];
  try {
    await walk(base, base, all, true);
  } catch (e) {
    throw new Error(`--inputs ${pattern}: cannot read ${base}: ${(e as Error).message}`);
  }
  return all
    .filter((rel) => re.test(rel))
    .sort()
    .map((rel) => fileRef(path.join(base, rel), rel));
}

/** The images of a zip: entries with an image extension, in name order (folders inside kept in the name). */
export function zipInputs(bytes: Uint8Array, zipName: string): InputRef[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) =>
        IMAGE_EXTENSIONS.test(f.name) && !f.name.startsWith('__MACOSX/') && f.originalSize <= MAX_IMAGE_BYTES,
    });
  } catch (e) {
    throw new Error(`${zipName} is not a readable zip: ${(e as Error).message}`);
  }
  return Object.keys(files)
    .filter((name) => !name.endsWith('/'))
    .sort()
    .map((name) => ({ name, read: async () => files[name]! }));
}

/** Lists one --inputs argument: a folder, a .zip file, a glob, or a single image file. */
export async function listInputs(arg: string): Promise<InputRef[]> {
  if (/[*?[]/.test(arg)) return listGlob(arg);
  let info;
  try {
    info = await stat(arg);
  } catch (e) {
    throw new Error(
      `--inputs ${arg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`,
    );
  }
  if (info.isDirectory()) {
    const names: string[] = [];
    await walk(arg, arg, names);
    return names.sort().map((n) => fileRef(path.join(arg, n), n));
  }
  if (/\.zip$/i.test(arg)) {
    if (info.size > MAX_ZIP_BYTES)
      throw new Error(`--inputs ${arg}: the zip is larger than ${MAX_ZIP_BYTES / 1073741824} GB`);
    return zipInputs(new Uint8Array(await readFile(arg)), arg);
  }
  return [fileRef(arg, path.basename(arg))];
}
