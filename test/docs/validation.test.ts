import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runDocSnippet } from '../helpers/doc-snippets.js';

const EXPECTED = [
  'refused: email: Invalid email address',
  'dead-lettered: validation-failed [{"path":"id","message":"Invalid input: expected string, received number"},{"path":"email","message":"Invalid input: expected string, received undefined"}]',
  'handled: {"id":"u2","email":"ada@example.com","plan":"free"}',
];

describe('docs/validation.md', () => {
  it('runs its snippet: publish refuses, the receiver dead-letters with the issues, the handler gets the schema output', async () => {
    const { stdout } = await runDocSnippet('validation.md');

    expect(stdout.trim().split('\n')).toEqual(EXPECTED);
  });

  it('shows what the snippet prints', async () => {
    const guide = await readFile(new URL('../../docs/validation.md', import.meta.url), 'utf8');
    const printed = /It prints:\n\n```text\n([\s\S]*?)\n```/.exec(guide)?.[1];

    expect(printed?.split('\n')).toEqual(EXPECTED);
  });
});
