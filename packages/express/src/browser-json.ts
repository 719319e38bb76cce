/**
 * Renders a payload as plain JSON a browser can `JSON.parse` directly: a `Date` becomes its ISO
 * string, a `Map` an array of `[key, value]` pairs (`new Map(data.lines)` rebuilds it), a `Set` an
 * array, a `BigInt` its decimal string and a `RegExp` its `/source/flags` string; `undefined`
 * properties are left out and an `undefined` payload is `null`.
 *
 * @example
 * toBrowserJson({ at: new Date(0), total: 10n }); // '{"at":"1970-01-01T00:00:00.000Z","total":"10"}'
 */
export function toBrowserJson(payload: unknown): string {
  return JSON.stringify(payload, browserValue) ?? 'null';
}

// Date needs no case: JSON.stringify calls its toJSON before the replacer sees it.
export function browserValue(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Map) return [...value.entries()];
  if (value instanceof Set) return [...value];
  if (value instanceof RegExp) return value.toString();
  return value;
}
