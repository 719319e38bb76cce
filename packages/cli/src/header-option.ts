import type { HeaderValue } from '@remit/core';
import { UsageError } from './errors.js';

/** `--header k=v` flags as application headers; values stay strings (what a shell can say). */
export function parseHeaders(entries: readonly string[]): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) throw new UsageError(`--header expects key=value, got "${entry}".`);
    headers[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return headers;
}
