import { SuperjsonCodec } from '@remit/core';

const superjson = new SuperjsonCodec();

/**
 * A value as plain JSON, the way superjson writes it on the wire (its `json` part): Dates as ISO
 * strings, Sets as arrays, Maps as [key, value] pairs, BigInts as strings. JSON.stringify alone
 * would turn a Map or Set into `{}`.
 */
export function toPlainJson(value: unknown): unknown {
  const encoded = JSON.parse(superjson.encode(value).toString('utf8')) as { json?: unknown };
  return encoded.json ?? null;
}
