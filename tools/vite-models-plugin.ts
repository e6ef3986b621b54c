// Serves the model packs in models/ at /models/ in dev, and copies them into dist/models/ at build
// time (index.json, each listed pack's manifest and the model files it names; nothing else).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { Plugin } from 'vite';

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.onnx': 'application/octet-stream',
  '.png': 'image/png',
};

/** The files of the packs listed in models/index.json, relative to models/. Missing ones are skipped with a warning. */
export function packFiles(modelsDir: string, warn: (msg: string) => void = console.warn): string[] {
  const indexPath = path.join(modelsDir, 'index.json');
  if (!existsSync(indexPath)) {
    warn(`models/index.json not found: no model packs bundled`);
    return [];
  }
  const files = ['index.json'];
  const { packs } = JSON.parse(readFileSync(indexPath, 'utf8')) as { packs: string[] };
  for (const id of packs) {
    const manifestPath = path.join(modelsDir, id, 'manifest.json');
    if (!existsSync(manifestPath)) {
      warn(`model pack "${id}" is listed in models/index.json but ${id}/manifest.json is missing: not bundled`);
      continue;
    }
    files.push(`${id}/manifest.json`);
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
      models: Record<string, { file: string } | undefined>;
    };
    for (const entry of Object.values(manifest.models)) {
      if (!entry) continue;
      if (existsSync(path.join(modelsDir, id, entry.file))) files.push(`${id}/${entry.file}`);
      else warn(`model pack "${id}": ${entry.file} is missing: not bundled`);
    }
  }
  return files;
}

export function modelsPlugin(options: { modelsDir?: string; urlPrefix?: string } = {}): Plugin {
  let modelsDir = options.modelsDir ?? '';
  const prefix = options.urlPrefix ?? '/models/';
  return {
    name: 'delta-studio-models',
    configResolved(config) {
      modelsDir ||= path.join(config.root, 'models');
    },
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const url = req.url ?? '';
        // a query (`?import`) is Vite's module request for `import x from 'models/index.json'`: let Vite answer it
        if (!url.startsWith(prefix) || url.includes('?')) return next();
        const rel = decodeURIComponent(url.slice(prefix.length));
        const ext = path.extname(rel);
        // only pack files are served: no path escapes, no training scripts
        if (rel.split('/').includes('..') || !(ext in CONTENT_TYPES)) return next();
        const file = path.join(modelsDir, rel);
        if (!existsSync(file) || !statSync(file).isFile()) {
          res.statusCode = 404;
          res.end(`not found: ${prefix}${rel}`);
          return;
        }
        res.setHeader('Content-Type', CONTENT_TYPES[ext]!);
        res.setHeader('Content-Length', String(statSync(file).size));
        res.setHeader('Cache-Control', 'no-cache');
        createReadStream(file).pipe(res);
      });
    },
    generateBundle() {
      for (const rel of packFiles(modelsDir, (m) => this.warn(m))) {
        this.emitFile({ type: 'asset', fileName: `models/${rel}`, source: readFileSync(path.join(modelsDir, rel)) });
      }
    },
  };
}
