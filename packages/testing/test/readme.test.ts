import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

describe('README.md', () => {
  it('shows readme-example.test.ts, which runs with the tests, as its five-line example', async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const shown = /## Five lines\n\n.*?\n\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(shown).toBe(await readFile(new URL('./readme-example.test.ts', import.meta.url), 'utf8'));
  });
});
