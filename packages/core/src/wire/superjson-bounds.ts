import { isRecord } from '../config-checks.js';

/**
 * What superjson would allocate for a body's typed arrays, counted before it builds them.
 *
 * superjson rebuilds a typed array as `new Uint8Array(value)` from whatever JSON value its meta
 * points at. An array costs body bytes per element, but an object `{ "length": 500000000 }` costs
 * 20: an 81-byte body asked for a 4 GB Float64Array. So every typed-array annotation's value must
 * be a real JSON array, and their byte lengths together must fit the bus's `maxPayloadBytes`.
 */

const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  Int8Array: 1,
  Uint8Array: 1,
  Uint8ClampedArray: 1,
  Int16Array: 2,
  Uint16Array: 2,
  Int32Array: 4,
  Uint32Array: 4,
  Float32Array: 4,
  Float64Array: 8,
  BigInt64Array: 8,
  BigUint64Array: 8,
};

/** superjson's path syntax (`a.b\.c` is ["a", "b.c"]); meta version 1 escapes dots and backslashes. */
function parsePath(path: string, escaped: boolean): string[] {
  if (!escaped) return path.split('.');
  const segments: string[] = [];
  let segment = '';
  for (let index = 0; index < path.length; index++) {
    const char = path[index];
    if (char === '\\' && (path[index + 1] === '.' || path[index + 1] === '\\')) {
      segment += path[++index];
    } else if (char === '.') {
      segments.push(segment);
      segment = '';
    } else {
      segment += char;
    }
  }
  segments.push(segment);
  return segments;
}

function valueAt(json: unknown, path: readonly string[]): unknown {
  let value = json;
  for (const segment of path) {
    if (Array.isArray(value)) value = value[Number(segment)];
    else if (isRecord(value) && Object.hasOwn(value, segment)) value = value[segment];
    else return undefined;
  }
  return value;
}

/**
 * The bytes of every typed array a superjson body would build: a number, or a string saying why
 * the body is refused (a typed array from something other than an array). Walks the meta without
 * recursion, so a meta nested thousands deep is only slow, never a stack overflow.
 */
export function typedArrayBytes(json: unknown, meta: Record<string, unknown>): number | string {
  const escaped = typeof meta.v === 'number' && meta.v >= 1;
  let bytes = 0;
  // Trees of superjson's `values`: [annotation, children?] or { path: tree }, with their path so far.
  const stack: Array<{ tree: unknown; path: string[] }> = [{ tree: meta.values, path: [] }];
  while (stack.length > 0) {
    const entry = stack.pop();
    if (!entry) break;
    const { tree, path } = entry;
    if (isRecord(tree)) {
      for (const key of Object.keys(tree)) stack.push({ tree: tree[key], path: [...path, ...parsePath(key, escaped)] });
      continue;
    }
    if (!Array.isArray(tree)) continue;
    const [annotation, children] = tree as unknown[];
    if (children !== undefined) stack.push({ tree: children, path });
    if (!Array.isArray(annotation) || annotation[0] !== 'typed-array') continue;
    const perElement = BYTES_PER_ELEMENT[String(annotation[1])];
    const value = valueAt(json, path);
    if (perElement === undefined || !Array.isArray(value)) return `a typed array at "${path.join('.')}" is not built from an array`;
    bytes += value.length * perElement;
  }
  return bytes;
}
