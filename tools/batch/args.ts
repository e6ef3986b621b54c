// Option values shared by `npm run batch` and `npm run worker`: each refusal names the option and
// the value, with exit code 2.
import type { NodeBackendChoice } from '../../src/workers/node/ort-node';
import { ExitError } from '../run-graph';

/** The value after option `argv[i]`; advances past it. */
export function optionValue(argv: string[], at: { i: number }, usage: string): string {
  const flag = argv[at.i]!;
  const v = argv[++at.i];
  if (v === undefined || v.startsWith('--')) throw new ExitError(`${flag} needs a value\n${usage}`, 2);
  return v;
}

export function wholeNumber(flag: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new ExitError(`${flag} must be a whole number from ${min} to ${max}, got "${v}"`, 2);
  return n;
}

export function backendChoice(v: string): NodeBackendChoice {
  if (v !== 'auto' && v !== 'native' && v !== 'wasm')
    throw new ExitError(`--backend must be auto, native or wasm, got "${v}"`, 2);
  return v;
}
