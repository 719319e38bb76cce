import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { AMQP_URL } from '../helpers/broker.js';

const DEMO = fileURLToPath(new URL('../../examples/demo/', import.meta.url));
const run = promisify(execFile);

// `pnpm demo` is "build, then node examples/demo/main.mjs"; the test command has built already.
describe('the demo, as the README starts it', () => {
  it('runs three processes on the embedded broker when AMQP_URL is not set', async () => {
    const env = { ...process.env };
    delete env.AMQP_URL;
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: DEMO, env, timeout: 60_000 });
    expect(stdout).toContain('embedded memory broker');
    expect(stdout).toContain('total      9 heard (expected 9); all 3 processes exited with code 0');
  });

  it('runs the same on RabbitMQ when AMQP_URL is set, without printing the password', async () => {
    const { stdout } = await run(process.execPath, ['main.mjs'], { cwd: DEMO, env: { ...process.env, AMQP_URL }, timeout: 60_000 });
    expect(stdout).toContain('total      9 heard (expected 9); all 3 processes exited with code 0');
    const password = new URL(AMQP_URL).password;
    if (password.length > 0) expect(stdout).not.toContain(`:${password}@`);
  });
});
