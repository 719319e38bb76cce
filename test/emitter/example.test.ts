import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AMQP_URL } from '../helpers/broker.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/emitter/', import.meta.url));

describe('examples/emitter, as its README says', () => {
  // `pnpm start` is "build the packages, then node main.mjs"; the test command has built them
  // already, and rebuilding here would pull dist/ from under the tests running beside this one.
  it('two processes hear both orders, once each', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['main.mjs'], {
      cwd: EXAMPLE,
      env: { ...process.env, AMQP_URL },
      timeout: 30_000,
    });
    expect(stdout).toContain('4 of 4 expected deliveries heard.');
    expect(stdout.match(/heard order A-1/g)).toHaveLength(2);
    expect(stdout.match(/heard order B-1/g)).toHaveLength(2);
    expect(stdout).not.toContain('guest:guest');
  });
});
