import type { StandardSchemaV1 } from '@standard-schema/spec';
import { issuePath } from '../errors.js';

/** How schema issues read to tools: the `remit-dead-issues` header of a dead letter (errors.ts has how they read to people). */

/** Headers travel with every dead letter; a payload with thousands of issues must not bloat them. */
export const MAX_ISSUES_HEADER = 4096;

/**
 * The issues as a JSON array of `{ path, message }` (path as in `issuePath`), at most
 * MAX_ISSUES_HEADER characters. Whole issues are left off the end rather than cutting the text,
 * so the header always parses.
 */
export function issuesHeader(issues: readonly StandardSchemaV1.Issue[]): string {
  const parts: string[] = [];
  let length = 2;
  for (const issue of issues) {
    const part = JSON.stringify({ path: issuePath(issue), message: issue.message.slice(0, 500) });
    if (length + part.length + 1 > MAX_ISSUES_HEADER) break;
    parts.push(part);
    length += part.length + 1;
  }
  return `[${parts.join(',')}]`;
}
