import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { unique } from './broker.js';

const ROOT = new URL('../../', import.meta.url);
const run = promisify(execFile);

/**
 * The `n`th fenced ```js block of a guide under docs/, so a test runs exactly what the guide shows.
 */
export async function docSnippet(guide: string, n = 0): Promise<string> {
  const text = await readFile(new URL(`docs/${guide}`, ROOT), 'utf8');
  const blocks = [...text.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((match) => match[1] ?? '');
  const block = blocks[n];
  if (block === undefined) throw new Error(`docs/${guide} has no js block #${n} (it has ${blocks.length})`);
  return block;
}

/**
 * Runs a guide's snippet with node as a user would, from test/ so it imports the built
 * `@remit/*` packages, and returns what it printed. Rejects if it exits non-zero.
 */
export async function runDocSnippet(guide: string, options: { n?: number; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}) {
  const file = new URL(`../docs/${unique('snippet')}.mjs`, import.meta.url);
  await writeFile(file, await docSnippet(guide, options.n));
  try {
    return await run(process.execPath, [fileURLToPath(file)], {
      env: { ...process.env, ...options.env },
      timeout: options.timeoutMs ?? 30_000,
    });
  } finally {
    await rm(file, { force: true });
  }
}
