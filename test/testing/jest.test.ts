import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique } from '../helpers/broker.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const JEST = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));

const names = { exchange: unique('test.jest'), deadLetter: unique('test.jest.dead'), group: unique('jest.billing'), crm: unique('jest.crm') };
afterEach(async () => {
  await deleteTopology({
    queues: [`remit.group.${names.group}`, `remit.requests.${names.crm}`, names.deadLetter],
    exchanges: [names.exchange, names.deadLetter],
  });
});

describe('@remit/testing under jest', () => {
  it('runs a CommonJS jest test of a cascade on the memory transport and on RabbitMQ', async () => {
    const { stderr } = await promisify(execFile)(process.execPath, [JEST, '--rootDir', 'jest', '--ci', '--verbose'], {
      cwd: HERE,
      env: { ...process.env, AMQP_URL, REMIT_TEST_NAMES: JSON.stringify(names) },
      timeout: 60_000,
    });
    // jest reports on stderr; a failure rejects above with its whole report.
    expect(stderr).toMatch(/Tests:\s+2 passed, 2 total/);
    expect(stderr).toContain('on the memory transport');
    expect(stderr).toContain('on RabbitMQ');
  });
});
