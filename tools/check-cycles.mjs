// Import cycles in src/, for `npm run lint`:
// - between top-level folders (graph, image, nodes, batch, workers, ui, …), counting every
//   import, type-only ones too: the layering of docs/architecture.md, where each folder imports
//   only from the folders below it;
// - between modules, counting the imports that exist at run time (`import type` is erased).
// Exit code 1 with each cycle named when there is one.
import madge from 'madge';

const base = { baseDir: 'src', fileExtensions: ['ts', 'vue'], tsConfig: 'tsconfig.json' };
const [all, runtime] = await Promise.all([
  madge('src', base),
  madge('src', { ...base, detectiveOptions: { ts: { skipTypeImports: true }, vue: { skipTypeImports: true } } }),
]);

const folder = (file) => (file.includes('/') ? file.split('/')[0] : '.');
/** folder -> folder -> one example import */
const edges = new Map();
for (const [from, deps] of Object.entries(all.obj())) {
  for (const to of deps) {
    const [a, b] = [folder(from), folder(to)];
    if (a === b || to.startsWith('..')) continue;
    if (!edges.has(a)) edges.set(a, new Map());
    if (!edges.get(a).has(b)) edges.get(a).set(b, `${from} -> ${to}`);
  }
}

// every simple cycle through the folder graph (a handful of folders: brute force is fine)
const folderCycles = [];
const seen = new Set();
const walk = (start, node, path) => {
  for (const next of edges.get(node)?.keys() ?? []) {
    if (next === start) {
      const key = [...path].sort().join(',');
      if (!seen.has(key)) {
        seen.add(key);
        folderCycles.push(path.map((f, i) => edges.get(f).get(path[(i + 1) % path.length])));
      }
    } else if (!path.includes(next) && next > start) walk(start, next, [...path, next]);
  }
};
for (const start of edges.keys()) walk(start, start, [start]);

const moduleCycles = runtime.circular();
for (const cycle of folderCycles) console.error(`folder cycle:\n  ${cycle.join('\n  ')}`);
for (const cycle of moduleCycles) console.error(`module cycle: ${cycle.join(' -> ')} -> ${cycle[0]}`);
if (folderCycles.length || moduleCycles.length) process.exit(1);
const order = [...edges].map(([a, to]) => `${a} -> ${[...to.keys()].sort().join(', ')}`).sort();
console.log(`no import cycles in src/ (${Object.keys(all.obj()).length} modules; folders: ${order.join('; ')})`);
