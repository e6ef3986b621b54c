// Ids, field names and asset keys come from files other people wrote, so they are plain data:
// "constructor", "toString" or "__proto__" must read and write like any other key. These helpers
// never consult an object's prototype and never let an assignment reach it.

/** The object's own value under `key` (never an inherited one such as Object.prototype.constructor). */
export function ownValue<T>(obj: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return obj != null && Object.prototype.hasOwnProperty.call(obj, key) ? obj[key] : undefined;
}

export function hasOwn(obj: object | null | undefined, key: string): boolean {
  return obj != null && Object.prototype.hasOwnProperty.call(obj, key);
}

/** `obj[key] = value` as a plain data property, also for "__proto__" (which `=` would treat as the prototype). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** An empty record with no prototype: lookups by any key see only what was put in. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * zod's object and record parsers drop an own "__proto__" key (JSON.parse keeps it as data). Put
 * such keys back from the raw input into the parsed copy, at any depth, so a field or an asset
 * named "__proto__" survives a load/save round trip like every other unknown key. Walks both
 * trees side by side once (iteratively: no recursion on hostile depths).
 */
export function restoreProtoKeys(raw: unknown, parsed: unknown): void {
  const stack: [unknown, unknown][] = [[raw, parsed]];
  while (stack.length) {
    const [r, p] = stack.pop()!;
    if (r === null || typeof r !== 'object' || p === null || typeof p !== 'object' || r === p) continue;
    if (Array.isArray(r)) {
      if (!Array.isArray(p)) continue;
      const n = Math.min(r.length, p.length);
      for (let i = 0; i < n; i++) stack.push([r[i], p[i]]);
      continue;
    }
    if (hasOwn(r, '__proto__') && !hasOwn(p, '__proto__')) {
      setOwn(p as Record<string, unknown>, '__proto__', (r as Record<string, unknown>)['__proto__']);
    }
    for (const key of Object.keys(p)) {
      if (hasOwn(r, key)) stack.push([(r as Record<string, unknown>)[key], (p as Record<string, unknown>)[key]]);
    }
  }
}
