import type { StandardSchemaV1 } from '@standard-schema/spec';

/** How schema issues read to people (error messages) and to tools (the `remit-dead-issues` header). */

const LISTED_ISSUES = 10;
/** Headers travel with every dead letter; a payload with thousands of issues must not bloat them. */
export const MAX_ISSUES_HEADER = 4096;

/** The issue's path as one would write it in JavaScript (`items[2].sku`); empty for the payload itself. */
export function issuePath(issue: StandardSchemaV1.Issue): string {
  let path = '';
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' && segment !== null ? segment.key : segment;
    if (typeof key === 'number') path += `[${key}]`;
    else path += path === '' ? String(key) : `.${String(key)}`;
  }
  return path;
}

/** `email: Invalid email; tags[0]: Expected string`: the first few issues, each with where it is. */
export function describeIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  if (issues.length === 0) return 'the schema reported no details';
  const listed = issues.slice(0, LISTED_ISSUES).map((issue) => {
    const path = issuePath(issue);
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  const more = issues.length - listed.length;
  return listed.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

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
