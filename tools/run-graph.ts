// The headless run: `npm run graph -- <file.dge.json> --out <dir> [--models <dir>] [--allow <path|URL>]…`.
// Parses with the graph core, runs with the same node code as the browser (onnxruntime-web in
// Node), writes every image output as PNG (the graph embedded, as the editor's export does).
// It reads only images embedded in the graph and the files/URLs allowed on its command line
// (src/workers/node/read-policy.ts). Exit codes: 0 done, 1 a node failed, 2 bad usage or an
// invalid graph, 3 a missing or broken model pack.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import { serializeDelta } from '../src/graph/delta-file';
import { checkFileSize, parseGraphFile, type GraphDocument } from '../src/graph/document';
import { contextFactory, Executor } from '../src/graph/executor';
import { effectiveParams } from '../src/graph/repair';
import { nodeRegistry } from '../src/nodes';
import { saveFileName } from '../src/nodes/save-image';
import { assetStoreFromDoc } from '../src/graph/assets';
import { previewOf } from '../src/workers/engine';
import { tensorToRgba } from '../src/image';
import { createNodePackRuntime, nodeServices } from '../src/workers/node/context';
import { createReadPolicy } from '../src/workers/node/read-policy';
import { embedGraphInPng } from '../src/graph/png-metadata';
import type { RgbaImage } from '../src/graph/types';

const USAGE =
  'usage: npm run graph -- <file.dge.json> --out <dir> [--models <models dir>] [--allow <file, folder or URL>]… [--allow-network] [--quiet]\n' +
  "  --allow          a file, a folder (all inside it) or a URL prefix the graph's Load Face url: sources may read (repeatable)\n" +
  '  --allow-network  also fetch any public http(s) URL a graph names (never local or private addresses)';

export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

function parseArgs(argv: string[]): {
  file: string;
  out: string;
  models: string;
  quiet: boolean;
  allow: string[];
  network: boolean;
} {
  let file = '';
  let out = '';
  let models = fileURLToPath(new URL('../models', import.meta.url));
  let quiet = false;
  let network = false;
  const allow: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--allow') {
      const v = argv[++i];
      if (!v) throw new ExitError(`--allow needs a file, folder or URL\n${USAGE}`, 2);
      allow.push(v);
    } else if (a === '--allow-network') network = true;
    else if (a === '--out' || a === '--models') {
      const v = argv[++i];
      if (!v) throw new ExitError(`${a} needs a directory\n${USAGE}`, 2);
      if (a === '--out') out = v;
      else models = v;
    } else if (a === '--quiet') quiet = true;
    else if (a === '--help' || a === '-h') throw new ExitError(USAGE, 0);
    else if (a.startsWith('-')) throw new ExitError(`unknown option ${a}\n${USAGE}`, 2);
    else if (!file) file = a;
    else throw new ExitError(`unexpected argument ${a}\n${USAGE}`, 2);
  }
  if (!file) throw new ExitError(`no graph file given\n${USAGE}`, 2);
  if (!out) throw new ExitError(`no output directory given (--out)\n${USAGE}`, 2);
  return { file, out, models, quiet, allow, network };
}

export function writeRgbaPng(rgba: RgbaImage, graphText: string): Uint8Array {
  // the graph travels in the PNG through the editor's own writer (UTF-8 iTXt, the shared
  // keyword), so an output opens its graph again in the editor
  const pixels = encodePng({
    width: rgba.width,
    height: rgba.height,
    data: new Uint8Array(rgba.data.buffer, rgba.data.byteOffset, rgba.data.byteLength),
    channels: 4,
  });
  return embedGraphInPng(pixels, graphText);
}

/** Checks every pack the graph uses before running, so a missing pack fails fast with one clear message. */
export async function checkPacks(
  doc: GraphDocument,
  packs: ReturnType<typeof createNodePackRuntime>,
  modelsDir: string,
  log: (m: string) => void,
) {
  const users = new Map<string, string[]>();
  for (const node of doc.nodes) {
    const def = nodeRegistry.get(node.type);
    if (!def) continue;
    const params = effectiveParams(def, node.params);
    for (const spec of def.params) {
      if (spec.kind !== 'pack') continue;
      const id = String(params[spec.name]);
      users.set(id, [...(users.get(id) ?? []), node.id]);
    }
  }
  for (const [id, nodes] of users) {
    try {
      await packs.manifest(id);
    } catch (e) {
      throw new ExitError(
        `model pack "${id}" (used by node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')}) cannot be loaded from ${modelsDir}: ${(e as Error).message}`,
        3,
      );
    }
    const ref = doc.packs.find((p) => p.id === id);
    const digest = await packs.digest(id);
    if (ref && ref.sha256 && ref.sha256 !== digest) {
      log(
        `warning: the graph names pack "${id}" with sha256 ${ref.sha256.slice(0, 12)}…, the installed one is ${digest.slice(0, 12)}…; results may differ from the author's`,
      );
    }
  }
}

/** Reads and validates a graph file (size limit, JSON, schema, repair); warnings go to `log`. Exit code 2 on failure. */
export async function readGraph(file: string, log: (m: string) => void): Promise<{ text: string; doc: GraphDocument }> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (e) {
    throw new ExitError(`cannot read ${file}: ${(e as Error).message}`, 2);
  }
  const tooBig = checkFileSize(size);
  if (tooBig) throw new ExitError(`${file}: ${tooBig}`, 2);
  const text = await readFile(file, 'utf8');
  const parsed = parseGraphFile(text, nodeRegistry);
  if (!parsed.ok) throw new ExitError(`${file} is not a valid graph:\n  ${parsed.errors.join('\n  ')}`, 2);
  for (const w of parsed.warnings) log(`warning: ${w}`);
  return { text, doc: parsed.doc };
}

export async function runGraph(argv: string[], log: (m: string) => void = console.log): Promise<number> {
  const args = parseArgs(argv);
  const info = args.quiet ? () => undefined : log;
  const { text, doc } = await readGraph(args.file, log);

  const packs = createNodePackRuntime(args.models);
  await checkPacks(doc, packs, args.models, log);

  const graphDir = path.dirname(path.resolve(args.file));
  const assets = assetStoreFromDoc(doc.assets as Record<string, { data: string }>);
  // only what the command line allows; relative paths in url: sources are relative to the graph file
  const policy = createReadPolicy({ allow: args.allow, network: args.network });
  const fetchBytes = (url: string) => policy.read(url, graphDir);
  const executor = new Executor(
    nodeRegistry,
    contextFactory({ ...nodeServices(packs, assets), fetchBytes }, (nodeId, text) =>
      info(`  note  ${nodeId}: ${text}`),
    ),
  );
  const started = Date.now();
  const result = await executor.run(doc, {
    onEvent: (e) => {
      if (e.type === 'node-state' && (e.state === 'done' || e.state === 'error')) {
        info(`  ${e.state === 'done' ? 'ok   ' : 'ERROR'} ${e.nodeId}${e.message ? `: ${e.message}` : ''}`);
      }
    },
  });

  await mkdir(args.out, { recursive: true });
  const written: string[] = [];
  const taken = new Set<string>();
  const unique = (name: string) => {
    let candidate = name;
    for (let i = 2; taken.has(candidate); i++) candidate = name.replace(/\.png$/, `-${i}.png`);
    taken.add(candidate);
    return candidate;
  };
  for (const node of doc.nodes) {
    const outputs = result.outputs.get(node.id);
    if (!outputs) continue;
    for (const [output, value] of Object.entries(outputs)) {
      let rgba: RgbaImage | null = null;
      if (value.kind === 'image') rgba = tensorToRgba(value.tensor);
      else if (value.kind === 'pairs') rgba = previewOf(value);
      if (!rgba) continue;
      const safeId = node.id.replace(/[^A-Za-z0-9._-]/g, '_');
      const name =
        node.type === 'save-image'
          ? unique(saveFileName(String(effectiveParams(nodeRegistry.get('save-image')!, node.params).filename)))
          : unique(`${safeId}-${output}.png`);
      try {
        await writeFile(path.join(args.out, name), writeRgbaPng(rgba, text));
      } catch (e) {
        throw new ExitError(`cannot write ${path.join(args.out, name)}: ${(e as Error).message}`, 1);
      }
      written.push(name);
    }
    for (const [output, value] of Object.entries(outputs)) {
      if (value.kind === 'number') info(`  ${node.id}.${output} = ${value.value.toFixed(3)}`);
      // every delta as a delta file (src/graph/delta-file.ts), for Load Delta and for sharing
      if (value.kind === 'delta') {
        const name = `${node.id.replace(/[^A-Za-z0-9._-]/g, '_')}-${output}.delta.json`;
        await writeFile(path.join(args.out, name), serializeDelta(value, await packs.manifest(value.pack)));
        info(`  ${node.id}.${output} → ${name}`);
      }
    }
  }
  await packs.dispose();
  info(
    `${result.status}: ${result.executed.length} nodes ran in ${Date.now() - started} ms; wrote ${written.length} PNG${written.length === 1 ? '' : 's'} to ${args.out}`,
  );
  if (result.status !== 'done') {
    const errs = Object.entries(result.errors).map(([id, m]) => `  ${id}: ${m}`);
    throw new ExitError(`the graph ran with errors:\n${errs.join('\n')}`, 1);
  }
  return 0;
}

/** Runs a command-line entry point when its module is the one Node started: exits with its code, or prints its ExitError (or crash) and exits with that code. */
export function runCli(moduleUrl: string, main: () => Promise<number>): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== fileURLToPath(moduleUrl)) return;
  main().then(
    (code) => process.exit(code),
    (e) => {
      if (e instanceof ExitError) {
        (e.code === 0 ? console.log : console.error)(e.code === 0 ? e.message : `error: ${e.message}`);
        process.exit(e.code);
      }
      console.error(`error: ${(e as Error)?.stack ?? e}`);
      process.exit(1);
    },
  );
}

runCli(import.meta.url, () => runGraph(process.argv.slice(2)));
