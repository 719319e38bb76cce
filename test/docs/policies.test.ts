import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runDocSnippet } from '../helpers/doc-snippets.js';

const EXPECTED = ['order o1 step 1', 'order o1 step 2', 'order o1 step 3', 'charged i1 on try 5', 'delayed 2, dead-lettered 1'];

describe('docs/policies.md', () => {
  it('runs its snippet: a delayed retry after an outage, an unrecoverable error, ordered steps', async () => {
    const { stdout } = await runDocSnippet('policies.md');

    expect(stdout.trim().split('\n')).toEqual(EXPECTED);
  });

  it('shows what the snippet prints', async () => {
    const guide = await readFile(new URL('../../docs/policies.md', import.meta.url), 'utf8');
    const printed = /It prints:\n\n```text\n([\s\S]*?)\n```/.exec(guide)?.[1];

    expect(printed?.split('\n')).toEqual(EXPECTED);
  });
});
