// The α solver behind Aim (and bench:edits' aim mode): find the strengths α_1..α_n of n deltas so
// that the measured attributes reach their targets. One delta: bracket + secant (false position
// once the root is bracketed, bisection when the secant step leaves the bracket). Several: a
// Broyden quasi-Newton step on the n×n sensitivity matrix, started from one probe per delta.
// Every evaluation is one G + estimator (+ domain classifier) run; the budget is a handful. Two
// fidelity guards stop α early: the domain classifier's P(cgi) and the sharpness ratio (blur).
// Pure: the caller provides `evaluate`, so the same code runs in the worker, in Node and in tests.

export interface AimEvaluation {
  /** the measured value of each target attribute (same order as the targets) */
  values: number[];
  /** the domain classifier's probability that the edit looks cgi (NaN when the pack has none) */
  cgi: number;
  /** the edited face's sharpness over the source's (src/nodes/fidelity.ts); absent when not measured */
  sharpness?: number;
}

export interface AimOptions {
  /** |α| is searched within [-maxAlpha, maxAlpha] */
  maxAlpha: number;
  /** an edit whose cgi probability exceeds this has lost fidelity: α stops before it */
  cgiLimit: number;
  /** an edit whose sharpness ratio falls under this has blurred (lost fidelity): α stops before it; 0 = off */
  sharpnessLimit: number;
  /** per target: stop when every |value − target| ≤ tol */
  tol: number[];
  /** most evaluations after the source's (the solve stops earlier when within tol) */
  maxEvals: number;
}

export interface AimResult {
  alphas: number[];
  values: number[];
  cgi: number;
  /** the sharpness ratio at the α returned (1 when not measured) */
  sharpness: number;
  /** every target within its tolerance */
  reached: boolean;
  /** why not, in words ('' when reached) */
  why: string;
  evals: number;
}

const DEFAULTS: Omit<AimOptions, 'tol'> = { maxAlpha: 3, cgiLimit: 0.5, sharpnessLimit: 0, maxEvals: 8 };

interface Point {
  a: number[];
  f: number[];
  e: AimEvaluation;
}

export async function solveAim(
  evaluate: (alphas: number[]) => Promise<AimEvaluation>,
  source: AimEvaluation,
  targets: number[],
  opts: Partial<AimOptions> & { tol: number[] },
): Promise<AimResult> {
  const o = { ...DEFAULTS, ...opts };
  const n = targets.length;
  if (n === 0) throw new Error('Aim: no targets');
  const resid = (e: AimEvaluation) => e.values.map((v, i) => v - targets[i]);
  const within = (f: number[]) => f.every((r, i) => Math.abs(r) <= o.tol[i]);
  const size = (f: number[]) => Math.max(...f.map((r, i) => Math.abs(r) / Math.max(o.tol[i], 1e-12)));
  const blurred = (e: AimEvaluation) => e.sharpness !== undefined && e.sharpness < o.sharpnessLimit;
  const faithful = (e: AimEvaluation) => !(e.cgi > o.cgiLimit) && !blurred(e);
  let evals = 0;
  let best: Point = { a: new Array(n).fill(0), f: resid(source), e: source };
  /** the largest |α| along which fidelity held, per direction (shrinks when the domain classifier objects) */
  let limitHit: { alpha: number; e: AimEvaluation } | null = null;
  const clampA = (a: number[]) => a.map((v) => Math.max(-o.maxAlpha, Math.min(o.maxAlpha, v)));
  async function probe(a: number[]): Promise<Point> {
    evals++;
    const e = await evaluate(a);
    const p = { a, f: resid(e), e };
    if (!faithful(e)) {
      if (!limitHit || Math.abs(a[0]) < Math.abs(limitHit.alpha)) limitHit = { alpha: a[0], e };
    } else if (size(p.f) < size(best.f)) best = p;
    return p;
  }
  if (within(best.f)) return finish();

  if (n === 1) {
    // secant from α = 0 and α = 1; keep a bracket [lo, hi] with opposite signs once seen
    const pts: Point[] = [best];
    let lo: Point | null = null,
      hi: Point | null = null;
    const note = (p: Point) => {
      pts.push(p);
      if (p.f[0] < 0 && (!lo || Math.abs(p.f[0]) < Math.abs(lo.f[0]))) lo = p;
      if (p.f[0] > 0 && (!hi || Math.abs(p.f[0]) < Math.abs(hi.f[0]))) hi = p;
    };
    if (best.f[0] < 0) lo = best;
    else hi = best;
    let bound = o.maxAlpha; // shrinks below maxAlpha where fidelity was lost
    let next = 1;
    while (evals < o.maxEvals) {
      const p = await probe([next]);
      if (!faithful(p.e)) bound = Math.min(bound, Math.abs(next) * 0.85);
      else note(p);
      if (within(best.f) || evals >= o.maxEvals) break;
      const lb = lo as Point | null,
        hb = hi as Point | null;
      if (lb && hb) {
        // false position inside the bracket, bisection when it would land at an end
        const x = lb.a[0] - (lb.f[0] * (hb.a[0] - lb.a[0])) / (hb.f[0] - lb.f[0]);
        const [a, b] = [Math.min(lb.a[0], hb.a[0]), Math.max(lb.a[0], hb.a[0])];
        next = x > a + 0.05 * (b - a) && x < b - 0.05 * (b - a) ? x : (a + b) / 2;
      } else {
        // secant through the last two faithful probes
        const [p0, p1] = pts.slice(-2);
        const slope = (p1.f[0] - p0.f[0]) / (p1.a[0] - p0.a[0]);
        if (!Number.isFinite(slope) || Math.abs(slope) < 1e-9) return finish('this delta does not move the attribute');
        next = p1.a[0] - p1.f[0] / slope;
        // at most 2 units of α past the furthest probe per step (the response is curved)
        const far = Math.max(...pts.map((q) => Math.abs(q.a[0]))) + 2;
        const lim = Math.min(far, bound);
        next = Math.max(-lim, Math.min(lim, next));
      }
      if (pts.some((q) => Math.abs(q.a[0] - next) < 1e-4)) break; // nothing new to try: out of reach
    }
    return finish();
  }

  // several deltas: sensitivity matrix J (J[i][k] = dvalue_i / dα_k) from one probe per delta
  const J: number[][] = Array.from({ length: n }, () => new Array(n).fill(0));
  for (let k = 0; k < n; k++) {
    const a = new Array(n).fill(0);
    a[k] = 1;
    const p = await probe(a);
    for (let i = 0; i < n; i++) J[i][k] = p.f[i] - resid(source)[i];
  }
  let cur: Point = best;
  while (evals < o.maxEvals && !within(best.f)) {
    const step = solveLinear(
      J,
      cur.f.map((v) => -v),
    );
    if (!step) return finish('the deltas move the attributes in the same way (their effects cannot be told apart)');
    // a trust region: at most 2 units of α per step on any delta (the responses are curved)
    const big = Math.max(...step.map(Math.abs));
    const next = clampA(cur.a.map((v, k) => v + (big > 2 ? (2 * step[k]) / big : step[k])));
    const p = await probe(next);
    if (!faithful(p.e)) {
      // halve the step once; if it still fails, stop
      const half = await probe(cur.a.map((v, k) => (v + next[k]) / 2));
      if (!faithful(half.e)) return finish();
      cur = half;
      continue;
    }
    // Broyden update: J += ((Δf − J Δa) Δaᵀ) / (Δaᵀ Δa)
    const da = p.a.map((v, k) => v - cur.a[k]);
    const df = p.f.map((v, i) => v - cur.f[i]);
    const dd = da.reduce((s, v) => s + v * v, 0);
    if (dd > 1e-12) {
      for (let i = 0; i < n; i++) {
        const jd = J[i].reduce((s, v, k) => s + v * da[k], 0);
        for (let k = 0; k < n; k++) J[i][k] += ((df[i] - jd) * da[k]) / dd;
      }
    }
    cur = p;
  }
  return finish();

  function finish(reason = ''): AimResult {
    const reached = within(best.f);
    let why = reason;
    if (!reached && !why) {
      const lim = limitHit as { alpha: number; e: AimEvaluation } | null;
      const pct = (v: number) => `${Math.round(100 * v)} %`;
      if (lim && blurred(lim.e))
        why = `fidelity collapses first: at α ${lim.alpha.toFixed(2)} the face blurs (it keeps ${pct(lim.e.sharpness!)} of the source's detail; the guard stops under ${pct(o.sharpnessLimit)})`;
      else if (lim)
        why = `fidelity collapses first: at α ${lim.alpha.toFixed(2)} the domain classifier calls the edit cgi (${lim.e.cgi.toFixed(2)} > ${o.cgiLimit})`;
      else if (best.a.some((v) => Math.abs(v) >= o.maxAlpha - 1e-6))
        why = `beyond the largest strength searched (|α| ≤ ${o.maxAlpha})`;
      else why = `not found within ${o.maxEvals} evaluations`;
    }
    return {
      alphas: best.a,
      values: best.e.values,
      cgi: best.e.cgi,
      sharpness: best.e.sharpness ?? 1,
      reached,
      why: reached ? '' : why,
      evals,
    };
  }
}

/** Solves A x = b (n small) by Gaussian elimination with partial pivoting; null when singular. */
export function solveLinear(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  const scale = Math.max(1e-12, ...A.flat().map(Math.abs));
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    if (Math.abs(M[p][c]) < 1e-9 * scale) return null;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n];
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k];
    x[r] = s / M[r][r];
  }
  return x;
}
