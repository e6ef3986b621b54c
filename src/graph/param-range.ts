// A number param's range as it stands for a node's current params: the declared spec, or the
// case its `follows` picks from another param's value (one rule for the editor and the store).
import type { ParamSpec, ParamValue } from './types';

type NumberSpec = Extract<ParamSpec, { kind: 'number' }>;

/** `spec` with min/max/step/default of the case `params` select; other specs come back unchanged. */
export function resolveParamSpec<S extends ParamSpec>(
  spec: S,
  params: Record<string, ParamValue | undefined>,
  all: readonly ParamSpec[] = [],
): S {
  if (spec.kind !== 'number' || !spec.follows) return spec;
  const { param, cases } = spec.follows;
  const current = params[param] ?? all.find((p) => p.name === param)?.default;
  const range = cases[String(current)];
  return range ? ({ ...spec, ...range } as NumberSpec as S) : spec;
}

/** The params that follow `changed`, each set to its default for the new value (the store calls this on a change). */
export function followerResets(
  specs: readonly ParamSpec[],
  changed: string,
  params: Record<string, ParamValue | undefined>,
): Record<string, number> {
  const resets: Record<string, number> = {};
  for (const spec of specs) {
    if (spec.kind !== 'number' || spec.follows?.param !== changed) continue;
    const range = spec.follows.cases[String(params[changed])];
    if (range) resets[spec.name] = range.default;
  }
  return resets;
}
