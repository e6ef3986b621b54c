// The edit benchmark (issue 4): scores every edit of held-out photo-style FaceWorld faces against
// the ground truth (the same face re-rendered with only the attribute changed), for DGE with
// K = 1, 5, 20 synthetic pairs, the linear latent difference of the same pairs, and a supervised
// linear direction (ridge regression on labelled photo latents, InterFaceGAN-style).
//   npm run bench:edits [-- --json] [--faces 200] [--labelled 1000] [--out docs/results] [--pack faceworld]
//                       [--refine 0] [--refine-rate 0.05] [--only matched [--edits smile,yaw] | --only fixed]
//                       [--calibration 100] [--aim-faces 200]
// It also scores every method at matched strength (tools/bench/edits-matched.ts: edits-matched.md,
// edits-matched.json, frontier.svg); --only matched skips the fixed-α grid (edits.md/json untouched),
// --only fixed skips the matched-strength part (edits-matched.*, frontier.svg untouched).
// --refine N refines the held-out faces' inversions by N gradient steps through G (GAN Inversion's
// "refine steps", src/nodes/refine.ts); the pairs and the labelled faces stay encoder-inverted.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackManifest, Tensor } from '../../src/graph/types';
import * as synth from '../../src/synth';
import { createNodePackRuntime } from '../../src/workers/node/context';
import { rgbaToTensor } from '../../src/image';
import { refineLatents } from '../../src/nodes/refine';
import { loadJudge, matchedStrength } from './edits-matched';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const opt = (name: string, fallback: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
};
const asJson = flag('json');
const FACES = Number(opt('faces', '200'));
const LABELLED = Number(opt('labelled', '1000'));
const PACK = opt('pack', 'faceworld');
const MODELS = path.resolve(root, opt('models', 'models'));
const OUT = path.resolve(root, opt('out', 'docs/results'));
const REFINE = Number(opt('refine', '0'));
const REFINE_RATE = Number(opt('refine-rate', '0.05'));
const ALPHAS = [0.5, 1, 1.5];
const ONLY = opt('only', '');
if (!['', 'matched', 'fixed'].includes(ONLY)) throw new Error(`--only takes matched or fixed, got "${ONLY}"`);
const FIXED = ONLY !== 'matched';
const MATCHED = ONLY !== 'fixed';
const CALIBRATION = Number(opt('calibration', '100'));
const AIM_FACES = Number(opt('aim-faces', '200'));
/** calibration faces of the matched-strength run: their own seeds, never reported */
const CALIBRATION_SEED = 950_000;
const KS = [1, 5, 20];
// seeds far from the training sets' (data sets use small seeds), so every face here is held out
const SOURCE_SEED = 900_000;
const LABELLED_SEED = 800_000;
const PAIR_SEED = 700_000;
/** the requested change at α = 1, as a share of each attribute's range */
const STEP_SHARE = 0.3;

const log = (msg: string) => {
  if (!asJson) console.log(msg);
  else console.error(msg);
};

if (!Number.isInteger(REFINE) || REFINE < 0)
  throw new Error(`--refine must be a whole number ≥ 0, got ${opt('refine', '')}`);
for (const [i, n] of [
  ['faces', FACES],
  ['labelled', LABELLED],
] as const) {
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${i} must be a positive whole number, got ${n}`);
}

// ---------------------------------------------------------------------------------------------
// Small dense helpers

type Attrs = Record<string, number>;
const spec = new Map<string, { name: string; min: number; max: number; neutral: number }>(
  synth.ATTRIBUTES.map((a) => [a.name, a]),
);
const range = (name: string) => {
  const a = spec.get(name)!;
  return a.max - a.min;
};

function concat(ts: Tensor[]): Tensor {
  const per = ts[0].data.length / ts[0].dims[0];
  const n = ts.reduce((s, t) => s + t.dims[0], 0);
  const data = new Float32Array(n * per);
  let o = 0;
  for (const t of ts) {
    data.set(t.data, o);
    o += t.data.length;
  }
  return { data, dims: [n, ...ts[0].dims.slice(1)] };
}
/** Items s..e-1 of a batch tensor. */
function itemsOf(t: Tensor, s: number, e: number): Tensor {
  const per = t.data.length / t.dims[0];
  return { data: t.data.slice(s * per, e * per), dims: [e - s, ...t.dims.slice(1)] };
}
function rows(t: Tensor): Float32Array[] {
  const per = t.data.length / t.dims[0];
  return Array.from({ length: t.dims[0] }, (_, i) => t.data.subarray(i * per, (i + 1) * per));
}
function fromRows(rs: Float32Array[], dims: number[]): Tensor {
  const data = new Float32Array(rs.length * rs[0].length);
  rs.forEach((r, i) => data.set(r, i * r.length));
  return { data, dims: [rs.length, ...dims] };
}
function mean(rs: Float32Array[]): Float32Array {
  const m = new Float32Array(rs[0].length);
  for (const r of rs) for (let i = 0; i < m.length; i++) m[i] += r[i] / rs.length;
  return m;
}
const axpy = (a: number, x: Float32Array, y: Float32Array) => {
  const o = new Float32Array(y);
  for (let i = 0; i < o.length; i++) o[i] += a * x[i];
  return o;
};
const avg = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
function psnr(a: Float32Array, b: Float32Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return 10 * Math.log10(4 / Math.max(se / a.length, 1e-10));
}
/** Cholesky factor of a symmetric positive definite n×n matrix (row-major). */
function cholesky(A: Float64Array, n: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = i === j ? Math.sqrt(Math.max(s, 1e-12)) : s / L[j * n + j];
    }
  }
  return L;
}
/** Solves L Lᵀ x = b. */
function cholSolve(L: Float64Array, b: Float64Array, n: number): Float64Array {
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
    y[i] = s / L[i * n + i];
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}
const solveSpd = (A: Float64Array, b: Float64Array, n: number) => cholSolve(cholesky(A, n), b, n);

// ---------------------------------------------------------------------------------------------
// Faces with known parameters

interface Face {
  identity: ReturnType<typeof synth.sampleIdentity>;
  attrs: Attrs;
  seed: number;
}

/** Attributes of a face, drawn like the training data's (pose and light uniform, expressions half neutral). */
const sampleAttrs = (seed: number): Attrs => ({ ...synth.sampleAttributes(seed) });
const clampTo = (a: string, v: number) => {
  const s = spec.get(a)!;
  return Math.min(s.max, Math.max(s.min, v));
};
/** A render at the pack's size and range, framed as its encoder was trained (manifest
 *  image.framing): sources, labelled faces, synthetic pairs and every ground truth alike. */
function renderTensor(face: Face, attrs: Attrs, style: 'photo' | 'cgi', image: PackManifest['image']): Tensor {
  const rgba = synth.renderFramed(
    face.identity,
    attrs as ReturnType<typeof synth.neutralAttributes>,
    { size: image.size, style, seed: face.seed },
    synth.imageFraming(image),
  );
  return rgbaToTensor(rgba, image.range);
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const runtime = createNodePackRuntime(MODELS);
  const manifest: PackManifest = await runtime.manifest(PACK);
  for (const m of ['generator', 'encoder', 'delta_encoder', 'delta_decoder', 'attributes', 'domain']) {
    if (!manifest.models[m]) throw new Error(`pack "${PACK}" has no ${m} model; the benchmark needs it`);
  }
  const meta = (manifest.meta ?? {}) as { attributes_names?: string[]; identity_names?: string[] };
  const attrNames = meta.attributes_names ?? synth.ATTRIBUTES.map((a) => a.name);
  const identNames = meta.identity_names ?? synth.IDENTITY_PARAMS.map((p) => p.name);
  const identRange = identNames.map((n) => {
    const p = synth.IDENTITY_PARAMS.find((q) => q.name === n);
    return p ? p.max - p.min : 1;
  });
  const size = manifest.image.size;
  const [L, D] = [manifest.latent.layers, manifest.latent.dim];

  async function run(model: string, feeds: Record<string, Tensor>, chunk = 50): Promise<Record<string, Tensor>> {
    const n = Object.values(feeds)[0].dims[0];
    const parts: Record<string, Tensor[]> = {};
    for (let s = 0; s < n; s += chunk) {
      const sub = Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, itemsOf(t, s, Math.min(n, s + chunk))]));
      const out = await runtime.run(PACK, model, sub);
      for (const [k, t] of Object.entries(out)) (parts[k] ??= []).push(t);
    }
    return Object.fromEntries(Object.entries(parts).map(([k, ts]) => [k, concat(ts)]));
  }
  const encode = async (x: Tensor) => (await run('encoder', { image: x })).w;
  const generate = async (w: Tensor) => (await run('generator', { w })).image;
  const measure = async (x: Tensor) => {
    const a = await run('attributes', { image: x });
    const d = await run('domain', { image: x });
    return { attrs: rows(a.attributes), ident: rows(a.identity), logit: Array.from(d.logit.data) };
  };

  // latency of single-image calls (Node, wasm, one thread): indicative of the browser's
  const latency: Record<string, number> = {};
  {
    const w1: Tensor = { data: new Float32Array(L * D), dims: [1, L, D] };
    const x1: Tensor = { data: new Float32Array(3 * size * size), dims: [1, 3, size, size] };
    const c1: Tensor = { data: new Float32Array(manifest.deltaDim ?? 16), dims: [1, manifest.deltaDim ?? 16] };
    const calls: [string, Record<string, Tensor>][] = [
      ['generator', { w: w1 }],
      ['encoder', { image: x1 }],
      ['delta_encoder', { w_from: w1, w_to: w1 }],
      ['delta_decoder', { w: w1, delta: c1 }],
      ['attributes', { image: x1 }],
      ['domain', { image: x1 }],
    ];
    for (const [m, f] of calls) {
      await runtime.run(PACK, m, f);
      const t = performance.now();
      for (let i = 0; i < 20; i++) await runtime.run(PACK, m, f);
      latency[m] = Number(((performance.now() - t) / 20).toFixed(2));
    }
  }

  const t0 = performance.now();
  log(`rendering ${FACES} held-out photo faces and ${LABELLED} labelled ones…`);
  const sources: Face[] = Array.from({ length: FACES }, (_, s) => ({
    identity: synth.sampleIdentity(SOURCE_SEED + s),
    attrs: sampleAttrs(SOURCE_SEED + s),
    seed: SOURCE_SEED + s,
  }));
  const x = concat(sources.map((f) => renderTensor(f, f.attrs, 'photo', manifest.image)));
  let w = await encode(x);
  const encoderCeiling = avg(rows(await generate(w)).map((r, i) => psnr(r, rows(x)[i])));
  if (REFINE > 0) {
    const parts: Tensor[] = [];
    for (let s = 0; s < FACES; s += 50) {
      const e = Math.min(FACES, s + 50);
      parts.push(
        (
          await refineLatents(runtime, PACK, manifest, itemsOf(w, s, e), itemsOf(x, s, e), {
            steps: REFINE,
            rate: REFINE_RATE,
          })
        ).latent,
      );
    }
    w = concat(parts);
    log(
      `  refined the ${FACES} inversions by ${REFINE} steps (rate ${REFINE_RATE}) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
  }
  const recon = await generate(w);
  const ceiling = avg(rows(recon).map((r, i) => psnr(r, rows(x)[i])));
  const base = await measure(recon);
  /** a set of faces with their inversions, reconstructions and the estimator's readings of those */
  interface FaceSet {
    name: string;
    faces: Face[];
    x: Tensor;
    w: Tensor;
    recon: Tensor;
    base: Awaited<ReturnType<typeof measure>>;
  }
  const H: FaceSet = { name: 'held-out', faces: sources, x, w, recon, base };

  // Supervised baseline: ridge regression of each attribute on the inverted latents of labelled photos
  const labelled: Face[] = Array.from({ length: LABELLED }, (_, s) => ({
    identity: synth.sampleIdentity(LABELLED_SEED + s),
    attrs: sampleAttrs(LABELLED_SEED + s),
    seed: LABELLED_SEED + s,
  }));
  const wl = rows(await encode(concat(labelled.map((f) => renderTensor(f, f.attrs, 'photo', manifest.image)))));
  // ridge regression of every attribute on the latents; λ picked on a 20 % hold-out
  const n = L * D;
  const mu = mean(wl);
  const fitRows = wl.map((_, k) => k % 5 !== 0);
  const gramOf = (use: (k: number) => boolean) => {
    const g = new Float64Array(n * n);
    wl.forEach((r, k) => {
      if (!use(k)) return;
      for (let i = 0; i < n; i++) {
        const ri = r[i] - mu[i];
        if (ri === 0) continue;
        for (let j = 0; j <= i; j++) g[i * n + j] += ri * (r[j] - mu[j]);
      }
    });
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) g[j * n + i] = g[i * n + j];
    return g;
  };
  const rhsOf = (a: string, use: (k: number) => boolean) => {
    const ya = labelled.map((f) => f.attrs[a]);
    const ym = avg(ya);
    const rhs = new Float64Array(n);
    wl.forEach((r, k) => {
      if (use(k)) for (let i = 0; i < n; i++) rhs[i] += (r[i] - mu[i]) * (ya[k] - ym);
    });
    return { rhs, ym };
  };
  const ridgeFit = (g: Float64Array, lambda: number, use: (k: number) => boolean) => {
    const A = Float64Array.from(g);
    for (let i = 0; i < n; i++) A[i * n + i] += lambda;
    const chol = cholesky(A, n);
    return new Map(
      attrNames.map((a) => {
        const { rhs, ym } = rhsOf(a, use);
        return [a, { beta: cholSolve(chol, rhs, n), ym }];
      }),
    );
  };
  const gFit = gramOf((k) => fitRows[k]);
  let meanVar = 0;
  for (let i = 0; i < n; i++) meanVar += gFit[i * n + i] / n;
  let best = { lambda: 0, err: Infinity };
  for (const share of [1e-3, 1e-2, 1e-1, 1]) {
    const fit = ridgeFit(gFit, share * meanVar, (k) => fitRows[k]);
    let err = 0;
    for (const a of attrNames) {
      const { beta: b, ym } = fit.get(a)!;
      wl.forEach((r, k) => {
        if (fitRows[k]) return;
        let p = ym;
        for (let i = 0; i < n; i++) p += b[i] * (r[i] - mu[i]);
        err += ((p - labelled[k].attrs[a]) / range(a)) ** 2;
      });
    }
    if (err < best.err) best = { lambda: share * meanVar, err };
  }
  const finalFit = ridgeFit(
    gramOf(() => true),
    best.lambda * 1.25,
    () => true,
  ); // 25 % more rows than the hold-out fit
  const beta = new Map([...finalFit].map(([a, v]) => [a, v.beta]));
  const ridgeLambdaShare = best.lambda / meanVar;
  /** the smallest W+ move that changes the regressed attributes by `change` (InterFaceGAN-style, calibrated) */
  function supervisedMove(change: Attrs): Float32Array {
    const names = Object.keys(change);
    const B = names.map((a) => beta.get(a)!);
    const k = names.length;
    const G = new Float64Array(k * k);
    for (let i = 0; i < k; i++)
      for (let j = 0; j < k; j++) {
        let s = 0;
        for (let t = 0; t < n; t++) s += B[i][t] * B[j][t];
        G[i * k + j] = s;
      }
    const c = solveSpd(G, Float64Array.from(names.map((a) => change[a])), k);
    const dw = new Float32Array(n);
    for (let i = 0; i < k; i++) for (let t = 0; t < n; t++) dw[t] += c[i] * B[i][t];
    return dw;
  }
  log(`  ${((performance.now() - t0) / 1000).toFixed(0)} s; reconstruction ceiling ${ceiling.toFixed(2)} dB`);

  // ------------------------------------------------------------------------------------------
  // Edits

  interface EditSpec {
    key: string;
    attrs: string[];
  }
  const SINGLE: EditSpec[] = [
    { key: 'smile', attrs: ['smile'] },
    { key: 'yaw', attrs: ['yaw'] },
    { key: 'pitch', attrs: ['pitch'] },
    { key: 'eyes closed', attrs: ['eyeClosedLeft', 'eyeClosedRight'] },
    { key: 'wink', attrs: ['eyeClosedLeft'] },
    { key: 'mouth open', attrs: ['mouthOpen'] },
    { key: 'brow raise', attrs: ['browRaise'] },
    { key: 'light azimuth', attrs: ['lightAzimuth'] },
  ];
  const COMBOS: [string, string][] = [
    ['smile', 'yaw'],
    ['eyes closed', 'light azimuth'],
  ];

  /** The pairs of one edit: K cgi identities at neutral attributes, then with the step applied. */
  interface Prepared {
    spec: EditSpec;
    step: Attrs;
    codes: { fwd: Float32Array[]; rev: Float32Array[] };
    diffs: Float32Array[];
  }
  async function prepare(e: EditSpec): Promise<Prepared> {
    const neutral = synth.neutralAttributes() as unknown as Attrs;
    const step: Attrs = {};
    for (const a of e.attrs) {
      const s = spec.get(a);
      if (!s)
        throw new Error(`benchmark attribute "${a}" is not a FaceWorld attribute (${[...spec.keys()].join(', ')})`);
      const d = STEP_SHARE * (s.max - s.min);
      step[a] = neutral[a] + d <= s.max ? d : -d; // step away from the neutral value, inside the range
    }
    const pairs = Array.from({ length: Math.max(...KS) }, (_, k) => ({
      identity: synth.sampleIdentity(PAIR_SEED + k),
      attrs: neutral,
      seed: PAIR_SEED + k,
    }));
    const from = concat(pairs.map((f) => renderTensor(f, neutral, 'cgi', manifest.image)));
    const toAttrs = { ...neutral };
    for (const a of e.attrs) toAttrs[a] += step[a];
    const to = concat(pairs.map((f) => renderTensor(f, toAttrs, 'cgi', manifest.image)));
    const [wa, wb] = [await encode(from), await encode(to)];
    const fwd = rows((await run('delta_encoder', { w_from: wa, w_to: wb })).delta).map((r) => r.slice());
    const rev = rows((await run('delta_encoder', { w_from: wb, w_to: wa })).delta).map((r) => r.slice());
    const diffs = rows(wb).map((r, k) => axpy(-1, rows(wa)[k], r));
    return { spec: e, step, codes: { fwd, rev }, diffs };
  }
  /** per face of a set: +1 applies the step, -1 the reverse; whichever keeps α = 1.5 inside the range */
  const signCache = new Map<string, number[]>();
  function signOf(p: Prepared, set: FaceSet): number[] {
    const key = `${p.spec.key}|${set.name}`;
    if (!signCache.has(key)) {
      signCache.set(
        key,
        set.faces.map((f) => {
          const a = p.spec.attrs[0];
          const s = spec.get(a)!;
          const up = f.attrs[a] + 1.5 * p.step[a];
          return up >= s.min && up <= s.max ? 1 : -1;
        }),
      );
    }
    return signCache.get(key)!;
  }

  type Method = {
    name: string;
    edit: (p: Prepared[], alpha: number, combine?: 'sum' | 'sequence', set?: FaceSet) => Promise<Tensor>;
  };
  async function dgeEdit(
    ps: Prepared[],
    alpha: number,
    K: number,
    combine: 'sum' | 'sequence',
    set: FaceSet = H,
  ): Promise<Tensor> {
    const codes = ps.map((p) => ({
      fwd: mean(p.codes.fwd.slice(0, K)),
      rev: mean(p.codes.rev.slice(0, K)),
      sign: signOf(p, set),
    }));
    const codeFor = (c: (typeof codes)[number], s: number) => (c.sign[s] > 0 ? c.fwd : c.rev).map((v) => v * alpha);
    let cur = set.w;
    if (combine === 'sum') {
      const delta = fromRows(
        set.faces.map((_, s) => codes.map((c) => codeFor(c, s)).reduce((acc, v) => acc.map((x, i) => x + v[i]))),
        [codes[0].fwd.length],
      );
      const dw = (await run('delta_decoder', { w: cur, delta })).dw;
      return { data: cur.data.map((v, i) => v + dw.data[i]), dims: cur.dims };
    }
    for (const c of codes) {
      const delta = fromRows(
        set.faces.map((_, s) => codeFor(c, s)),
        [c.fwd.length],
      );
      const dw = (await run('delta_decoder', { w: cur, delta })).dw;
      cur = { data: cur.data.map((v, i) => v + dw.data[i]), dims: cur.dims };
    }
    return cur;
  }
  async function offsetEdit(
    ps: Prepared[],
    alpha: number,
    offset: (p: Prepared) => Float32Array,
    set: FaceSet = H,
  ): Promise<Tensor> {
    const offs = ps.map((p) => ({ o: offset(p), sign: signOf(p, set) }));
    return fromRows(
      rows(set.w).map((r, s) => offs.reduce((acc, { o, sign }) => axpy(alpha * sign[s], o, acc), r)),
      [L, D],
    );
  }
  const methods: Method[] = [
    ...KS.map((K) => ({
      name: `DGE K=${K}`,
      edit: (p: Prepared[], a: number, c: 'sum' | 'sequence' = 'sum', set?: FaceSet) => dgeEdit(p, a, K, c, set),
    })),
    ...KS.map((K) => ({
      name: `linear K=${K}`,
      edit: (p: Prepared[], a: number, _c?: 'sum' | 'sequence', set?: FaceSet) =>
        offsetEdit(p, a, (q) => mean(q.diffs.slice(0, K)), set),
    })),
    {
      name: 'supervised',
      edit: async (p: Prepared[], a: number, _c?: 'sum' | 'sequence', set: FaceSet = H) => {
        // one joint minimum-norm move for all requested changes, per sign pattern
        const moves = new Map<string, Float32Array>();
        return fromRows(
          rows(set.w).map((r, s) => {
            const key = p.map((q) => signOf(q, set)[s]).join();
            if (!moves.has(key)) {
              const change: Attrs = {};
              for (const q of p) for (const at of q.spec.attrs) change[at] = signOf(q, set)[s] * q.step[at];
              moves.set(key, supervisedMove(change));
            }
            return axpy(a, moves.get(key)!, r);
          }),
          [L, D],
        );
      },
    },
  ];

  interface Score {
    hit: number;
    hitShare: number;
    leakage: number;
    identity: number;
    psnr: number;
    bleed: number;
  }
  const results: { edit: string; method: string; alpha: number; score: Score }[] = [];

  async function score(
    ps: Prepared[],
    alpha: number,
    edited: Tensor | null,
    gt: Tensor,
    set: FaceSet = H,
  ): Promise<Score> {
    const img = edited ? await generate(edited) : set.recon;
    const m = edited ? await measure(img) : set.base;
    const base = set.base;
    const changed = new Set(ps.flatMap((p) => p.spec.attrs));
    const hit: number[] = [];
    const hitShare: number[] = [];
    const leak: number[] = [];
    const idd: number[] = [];
    const fid: number[] = [];
    set.faces.forEach((f, s) => {
      for (const p of ps)
        for (const a of p.spec.attrs) {
          const target = clampTo(a, f.attrs[a] + signOf(p, set)[s] * alpha * p.step[a]);
          const err = Math.abs(m.attrs[s][attrNames.indexOf(a)] - target);
          hit.push(err);
          hitShare.push(err / range(a));
        }
      attrNames.forEach((a, i) => {
        if (!changed.has(a)) leak.push(Math.abs(m.attrs[s][i] - base.attrs[s][i]) / range(a));
      });
      identNames.forEach((_, i) => idd.push(Math.abs(m.ident[s][i] - base.ident[s][i]) / identRange[i]));
      fid.push(psnr(rows(img)[s], rows(gt)[s]));
    });
    return {
      hit: avg(hit),
      hitShare: avg(hitShare),
      leakage: avg(leak),
      identity: avg(idd),
      psnr: avg(fid),
      bleed: avg(m.logit.map((l) => (l > 0 ? 1 : 0))),
    };
  }
  function groundTruth(ps: Prepared[], alpha: number, set: FaceSet = H): Tensor {
    return concat(
      set.faces.map((f, s) => {
        const attrs = { ...f.attrs };
        for (const p of ps)
          for (const a of p.spec.attrs) {
            attrs[a] = clampTo(a, f.attrs[a] + signOf(p, set)[s] * alpha * p.step[a]);
          }
        return renderTensor(f, attrs, 'photo', manifest.image);
      }),
    );
  }

  const prepared = new Map<string, Prepared>();
  // --edits "smile,yaw" (matched strength only): a shorter run; holds come from these edits too
  const EDITS = opt('edits', '')
    ? opt('edits', '')
        .split(',')
        .map((k) => k.trim())
    : SINGLE.map((e) => e.key);
  for (const e of FIXED ? SINGLE : SINGLE.filter((x) => EDITS.includes(x.key))) {
    const t = performance.now();
    const p = await prepare(e);
    prepared.set(e.key, p);
    for (const alpha of FIXED ? ALPHAS : []) {
      const gt = groundTruth([p], alpha);
      results.push({ edit: e.key, method: 'no edit', alpha, score: await score([p], alpha, null, gt) });
      for (const m of methods) {
        // the smaller linear baselines only at α = 1: the α sweep of linear K=20 shows the trend
        if (alpha !== 1 && (m.name === 'linear K=1' || m.name === 'linear K=5')) continue;
        results.push({
          edit: e.key,
          method: m.name,
          alpha,
          score: await score([p], alpha, await m.edit([p], alpha), gt),
        });
      }
    }
    log(`  ${e.key}: ${((performance.now() - t) / 1000).toFixed(0)} s`);
  }
  for (const [a, b] of FIXED ? COMBOS : []) {
    const ps = [prepared.get(a)!, prepared.get(b)!];
    const key = `${a} + ${b}`;
    const gt = groundTruth(ps, 1);
    results.push({ edit: key, method: 'no edit', alpha: 1, score: await score(ps, 1, null, gt) });
    for (const m of methods) {
      results.push({ edit: key, method: m.name, alpha: 1, score: await score(ps, 1, await m.edit(ps, 1, 'sum'), gt) });
      if (m.name.startsWith('DGE'))
        results.push({
          edit: key,
          method: `${m.name} (sequence)`,
          alpha: 1,
          score: await score(ps, 1, await m.edit(ps, 1, 'sequence'), gt),
        });
    }
  }

  // ------------------------------------------------------------------------------------------
  // Matched strength (issue 15): α per method chosen on calibration faces, scored on the held-out ones

  // --only fixed: none of it (edits-matched.*, frontier.svg untouched)
  const runMatched = async () => {
    const calFaces: Face[] = Array.from({ length: CALIBRATION }, (_, s) => ({
      identity: synth.sampleIdentity(CALIBRATION_SEED + s),
      attrs: sampleAttrs(CALIBRATION_SEED + s),
      seed: CALIBRATION_SEED + s,
    }));
    const calX = concat(calFaces.map((f) => renderTensor(f, f.attrs, 'photo', manifest.image)));
    const calW = await encode(calX);
    const calRecon = await generate(calW);
    const cal: FaceSet = {
      name: 'calibration',
      faces: calFaces,
      x: calX,
      w: calW,
      recon: calRecon,
      base: await measure(calRecon),
    };
    const judge = await loadJudge(root);
    return matchedStrength(
      {
        root,
        out: OUT,
        log,
        attrNames,
        identNames,
        identRange,
        range,
        layers: L,
        dim: D,
        cal,
        held: H,
        edits: EDITS.filter((k) => prepared.has(k)).map((k) => prepared.get(k)!), // in the order --edits gives
        methods: methods.filter((m) => ['DGE K=20', 'linear K=20', 'supervised'].includes(m.name)),
        signOf,
        groundTruth: (ps, a, set) => groundTruth(ps, a, set as FaceSet),
        generate,
        measure,
        run,
        supervisedUnit: (a) => supervisedMove({ [a]: 1 }),
        psnr,
        aimFaces: AIM_FACES,
        onProgress: async (r) => {
          await mkdir(OUT, { recursive: true });
          await writeFile(path.join(OUT, 'edits-matched.md'), r.table);
          await writeFile(path.join(OUT, 'edits-matched.json'), JSON.stringify(r.figures, null, 1) + '\n');
          await writeFile(path.join(OUT, 'frontier.svg'), r.svg);
        },
      },
      judge,
    );
  };
  const matched = MATCHED ? await runMatched() : { figures: {}, table: '', svg: '' };
  if (!FIXED) {
    if (asJson) process.stdout.write(JSON.stringify(matched.figures) + '\n');
    else console.log(matched.table);
    await runtime.dispose();
    return;
  }

  // ------------------------------------------------------------------------------------------
  // Aims of the issue, checked

  const at = (edit: string, method: string, alpha = 1) =>
    results.find((r) => r.edit === edit && r.method === method && r.alpha === alpha)!.score;
  const meanOverAlpha = (edit: string, method: string, k: keyof Score) =>
    avg(ALPHAS.map((a) => at(edit, method, a)[k]));
  const aims = {
    dge_beats_linear_hit: SINGLE.filter(
      (e) => meanOverAlpha(e.key, 'DGE K=20', 'hit') < meanOverAlpha(e.key, 'linear K=20', 'hit'),
    ).map((e) => e.key),
    dge_beats_linear_leakage: SINGLE.filter(
      (e) => meanOverAlpha(e.key, 'DGE K=20', 'leakage') < meanOverAlpha(e.key, 'linear K=20', 'leakage'),
    ).map((e) => e.key),
    dge_k5_vs_supervised_hit_ratio:
      avg(SINGLE.map((e) => meanOverAlpha(e.key, 'DGE K=5', 'hitShare'))) /
      avg(SINGLE.map((e) => meanOverAlpha(e.key, 'supervised', 'hitShare'))),
    dge_k5_bleed: avg(SINGLE.flatMap((e) => ALPHAS.map((a) => at(e.key, 'DGE K=5', a).bleed))),
    dge_k5_psnr_gap_to_ceiling_db:
      ceiling - avg(SINGLE.flatMap((e) => ALPHAS.map((a) => at(e.key, 'DGE K=5', a).psnr))),
  };

  const figures: Record<string, unknown> = {
    faces: FACES,
    labelled_for_supervised: LABELLED,
    ridge_lambda_share_of_mean_variance: ridgeLambdaShare,
    step_share_of_range: STEP_SHARE,
    reconstruction_ceiling_psnr_db: Number(ceiling.toFixed(3)),
    encoder_reconstruction_psnr_db: Number(encoderCeiling.toFixed(3)),
    refine_steps: REFINE,
    refine_rate: REFINE_RATE,
    latency_ms_node_wasm_1thread: latency,
    aims,
    ...matched.figures,
    seconds: Math.round((performance.now() - t0) / 1000),
  };
  for (const r of results) {
    for (const [k, v] of Object.entries(r.score))
      figures[`${r.edit} | ${r.method} | α=${r.alpha} | ${k}`] = Number(v.toFixed(4));
  }

  const table = humanTable(results, ceiling, aims, latency);
  await mkdir(OUT, { recursive: true });
  await writeFile(path.join(OUT, 'edits.md'), table);
  await writeFile(path.join(OUT, 'edits.json'), JSON.stringify(figures, null, 1) + '\n');
  await writeFile(
    path.join(OUT, 'hit-vs-alpha.svg'),
    plot(
      results,
      SINGLE.map((e) => e.key),
    ),
  );
  if (asJson) process.stdout.write(JSON.stringify(figures) + '\n');
  else console.log(table);
  await runtime.dispose();

  function humanTable(rs: typeof results, ceil: number, a: typeof aims, lat: Record<string, number>): string {
    const f = (v: number, d = 3) => v.toFixed(d);
    const lines = [
      `# Edit benchmark (\`npm run bench:edits\`)`,
      '',
      `${FACES} held-out photo-style faces; requested change = α × ${STEP_SHARE} × (attribute range), direction chosen per face so α = 1.5 stays in range. ` +
        `Supervised direction: ridge regression on ${LABELLED} labelled photo latents. Reconstruction ceiling (PSNR of G(E(x)) vs x): **${f(ceil, 2)} dB**` +
        (REFINE > 0
          ? ` after ${REFINE} refinement steps (rate ${REFINE_RATE}; encoder alone ${f(encoderCeiling, 2)} dB).`
          : '.'),
      '',
      'hit = |estimated − (source + requested)| in attribute units (and as % of range); leakage = mean |change| of the other attributes, share of range; ' +
        'identity = mean |change| of identity parameters, share of range; PSNR vs the ground-truth re-render; bleed = share of edits the domain classifier calls cgi.',
      '',
      '| edit | method | α | hit | hit % | leakage % | identity % | PSNR dB | bleed % |',
      '|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of rs) {
      const s = r.score;
      lines.push(
        `| ${r.edit} | ${r.method} | ${r.alpha} | ${f(s.hit)} | ${f(100 * s.hitShare, 1)} | ${f(100 * s.leakage, 2)} | ${f(100 * s.identity, 2)} | ${f(s.psnr, 2)} | ${f(100 * s.bleed, 1)} |`,
      );
    }
    lines.push(
      '',
      '## Aims',
      '',
      `- DGE (K=20) beats the linear difference (K=20) on hit error for: ${a.dge_beats_linear_hit.join(', ') || 'none'} (of ${SINGLE.length})`,
      `- DGE (K=20) beats it on leakage for: ${a.dge_beats_linear_leakage.join(', ') || 'none'}`,
      `- DGE K=5 hit error / supervised hit error: ${f(a.dge_k5_vs_supervised_hit_ratio, 2)} (aim ≤ 1.20)`,
      `- DGE K=5 bleed: ${f(100 * a.dge_k5_bleed, 1)} % (aim < 5 %)`,
      `- DGE K=5 PSNR gap to the reconstruction ceiling: ${f(a.dge_k5_psnr_gap_to_ceiling_db, 2)} dB (aim ≤ 2 dB)`,
      '',
      `Latency, Node onnxruntime-web wasm, 1 thread, batch 1 (ms): ${Object.entries(lat)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
      '',
    );
    return lines.join('\n');
  }
}

/** Hit error (% of range) against α, one panel per attribute, one line per method. */
function plot(
  rs: { edit: string; method: string; alpha: number; score: { hitShare: number } }[],
  edits: string[],
): string {
  const methods = ['no edit', 'DGE K=1', 'DGE K=5', 'DGE K=20', 'linear K=20', 'supervised'];
  const colors = ['#999', '#9ecae1', '#3182bd', '#08519c', '#e6550d', '#31a354'];
  const W = 220,
    H = 170,
    cols = 4,
    pad = 34;
  const ymax =
    Math.max(...rs.filter((r) => edits.includes(r.edit) && methods.includes(r.method)).map((r) => r.score.hitShare)) *
    1.1;
  const out: string[] = [];
  const totalH = Math.ceil(edits.length / cols) * H + 40;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * W}" height="${totalH}" font-family="sans-serif" font-size="10">`,
  );
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  edits.forEach((e, i) => {
    const ox = (i % cols) * W,
      oy = Math.floor(i / cols) * H;
    const x = (a: number) => ox + pad + ((a - 0.5) / 1.0) * (W - pad - 12);
    const y = (v: number) => oy + H - 24 - (v / ymax) * (H - 48);
    out.push(`<text x="${ox + W / 2}" y="${oy + 14}" text-anchor="middle" font-weight="bold">${e}</text>`);
    out.push(
      `<line x1="${x(0.5)}" y1="${y(0)}" x2="${x(1.5)}" y2="${y(0)}" stroke="#333"/><line x1="${x(0.5)}" y1="${y(0)}" x2="${x(0.5)}" y2="${y(ymax)}" stroke="#333"/>`,
    );
    for (const a of [0.5, 1, 1.5]) out.push(`<text x="${x(a)}" y="${y(0) + 12}" text-anchor="middle">α=${a}</text>`);
    for (const v of [0, ymax / 2])
      out.push(`<text x="${x(0.5) - 3}" y="${y(v) + 3}" text-anchor="end">${(100 * v).toFixed(0)}%</text>`);
    methods.forEach((m, k) => {
      const pts = [0.5, 1, 1.5]
        .map((a) => rs.find((r) => r.edit === e && r.method === m && r.alpha === a))
        .filter(Boolean)
        .map((r) => `${x(r!.alpha).toFixed(1)},${y(r!.score.hitShare).toFixed(1)}`);
      out.push(`<polyline fill="none" stroke="${colors[k]}" stroke-width="2" points="${pts.join(' ')}"/>`);
    });
  });
  methods.forEach((m, k) =>
    out.push(
      `<rect x="${10 + k * 120}" y="${totalH - 22}" width="12" height="4" fill="${colors[k]}"/><text x="${26 + k * 120}" y="${totalH - 16}">${m}</text>`,
    ),
  );
  out.push(
    `<text x="${cols * W - 10}" y="${totalH - 16}" text-anchor="end">hit error, % of the attribute's range</text>`,
  );
  out.push('</svg>');
  return out.join('\n') + '\n';
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
