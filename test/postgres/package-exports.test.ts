import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cwd = fileURLToPath(new URL('..', import.meta.url));

// The built package, as an application loads it: both entries, and one PostgresOutbox class
// between them (the token the Nest module provides is the one applications inject).
const check = `
  const names = [new main.OutboxError('closed', 'x').name];
  const same = main.PostgresOutbox === nest.PostgresOutbox && typeof nest.RemitPostgresModule === 'function';
  console.log(JSON.stringify({ names, same, withTransaction: typeof main.withTransaction }));
`;

describe('the built @remit/postgres package', () => {
  it.each([
    ['CommonJS require', ['-e', `require('reflect-metadata'); const main = require('@remit/postgres'); const nest = require('@remit/postgres/nestjs');${check}`]],
    [
      'ESM import',
      ['--input-type=module', '-e', `import 'reflect-metadata'; import * as main from '@remit/postgres'; import * as nest from '@remit/postgres/nestjs';${check}`],
    ],
  ])('loads with %s; the Nest entry shares the outbox class; error names survive the build', async (_kind, args) => {
    const { stdout } = await run(process.execPath, args, { cwd });
    expect(JSON.parse(stdout)).toEqual({ names: ['OutboxError'], same: true, withTransaction: 'function' });
  });

  it('the main entry loads without Nest: it never requires @nestjs/*', async () => {
    const script = `require('@remit/postgres'); console.log(JSON.stringify(Object.keys(require.cache).filter((path) => path.includes('@nestjs')).length));`;
    const { stdout } = await run(process.execPath, ['-e', script], { cwd });
    expect(JSON.parse(stdout)).toBe(0);
  });
});
