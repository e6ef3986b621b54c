// Turning zod issues and odd values into messages that name the path and the problem,
// e.g. `nodes[3].params.alpha: expected number, got string`.
import type { z } from 'zod';
import { MAX_MESSAGES } from './limits';

type PathPart = PropertyKey;

/** `nodes[3].params.alpha`; keys that are not identifiers are quoted: `assets["my face"]`. */
export function formatPath(path: readonly PathPart[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      if (/^[A-Za-z_$][\w$-]*$/.test(key)) out += (out ? '.' : '') + key;
      else out += `[${JSON.stringify(shorten(key, 40))}]`;
    }
  }
  return out;
}

/** A short human description of a value, for "expected X, got Y". */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return `number ${value}`;
  }
  if (typeof value === 'string') return `string ${JSON.stringify(shorten(value, 40))}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

export function shorten(text: string, max: number): string {
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

function valueAt(root: unknown, path: readonly PathPart[]): unknown {
  let v: unknown = root;
  for (const part of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[part as string];
  }
  return v;
}

/** One line per issue; union failures are summarised as "expected number, string or boolean". */
export function formatIssues(issues: readonly z.core.$ZodIssue[], input: unknown): string[] {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issueMessage(issue, valueAt(input, issue.path))}`);
}

function issueMessage(issue: z.core.$ZodIssue, actual: unknown): string {
  const got = `got ${describeValue(actual)}`;
  switch (issue.code) {
    case 'invalid_type':
      return actual === undefined ? `missing (expected ${issue.expected})` : `expected ${issue.expected}, ${got}`;
    case 'invalid_union': {
      const expected = new Set<string>();
      for (const branch of issue.errors)
        for (const sub of branch) {
          if (sub.code === 'invalid_type') expected.add(sub.expected);
          else if (sub.code === 'custom') expected.add('number');
        }
      const list = [...expected];
      const text =
        list.length > 1 ? `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}` : (list[0] ?? 'a valid value');
      return `expected ${text}, ${got}`;
    }
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}, ${got}`;
    case 'too_small':
      if (issue.origin === 'array')
        return actual === undefined ? 'missing' : `expected at least ${issue.minimum} items`;
      if (issue.origin === 'string')
        return actual === '' ? 'must not be empty' : `expected at least ${issue.minimum} characters`;
      return `expected at least ${issue.minimum}, ${got}`;
    case 'too_big':
      if (issue.origin === 'array') return `too many items (the limit is ${issue.maximum})`;
      if (issue.origin === 'string') return `too long (the limit is ${issue.maximum} characters)`;
      return `expected at most ${issue.maximum}, ${got}`;
    case 'invalid_format':
      return `${issue.message ?? 'invalid format'}${typeof actual === 'string' ? '' : `, ${got}`}`;
    case 'custom':
      return `${issue.message ?? 'invalid value'}, ${got}`;
    default:
      return issue.message;
  }
}

/** Keeps message lists readable when a file is broken everywhere. */
export function capMessages(messages: string[]): string[] {
  if (messages.length <= MAX_MESSAGES) return messages;
  return [...messages.slice(0, MAX_MESSAGES), `… and ${messages.length - MAX_MESSAGES} more`];
}

/**
 * Repair warnings in the order a user needs them: what changed the graph (a wire cut, a node
 * type unknown, a value clamped) first, then params a file simply did not have (a node that
 * gained a param since the file was written) — those only take their defaults. Stable otherwise.
 */
export function byImportance(warnings: string[]): string[] {
  const routine = (m: string) => / missing — set to the default /.test(m);
  return [...warnings.filter((m) => !routine(m)), ...warnings.filter(routine)];
}
