import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique } from '../helpers/broker.js';
import { POSTGRES_URL, TestSchema } from '../helpers/postgres.js';

const run = promisify(execFile);
const README = new URL('../../packages/postgres/README.md', import.meta.url);

let schema: TestSchema | undefined;
let topology: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };
afterEach(async () => {
  await deleteTopology(topology);
  await schema?.drop();
});

describe('packages/postgres/README.md', () => {
  it('its complete program runs as written: the order commits, the event is sent, the invoice is written once', async () => {
    const text = await readFile(README, 'utf8');
    const snippet = /^```js\n([\s\S]*?)^```$/m.exec(text)?.[1];
    expect(snippet).toBeDefined();
    schema = TestSchema.reserve();
    const exchange = unique('test.readme.outbox');
    const group = unique('test-readme-invoicing');
    topology = { exchanges: [exchange], queues: [`remit.group.${group}`] };
    // Written next to this test, so it imports the built @remit packages as a user's program would.
    const file = new URL(`./${unique('readme')}.mjs`, import.meta.url);
    await writeFile(file, snippet ?? '');
    try {
      const { stdout } = await run(process.execPath, [fileURLToPath(file)], {
        env: { ...process.env, AMQP_URL, DATABASE_URL: POSTGRES_URL, OUTBOX_SCHEMA: schema.name, REMIT_EXCHANGE: exchange, REMIT_GROUP: group },
        timeout: 30_000,
      });
      expect(stdout).toMatch(/^invoiced o-\d+$/m);
    } finally {
      await rm(file, { force: true });
    }
    const invoices = await schema.query<{ order_id: string }>('SELECT order_id FROM invoices');
    const outbox = await schema.query('SELECT * FROM remit_outbox');
    expect(invoices).toHaveLength(1);
    expect(outbox).toEqual([]);
    expect(await schema.query('SELECT handler FROM remit_inbox')).toEqual([{ handler: 'invoiceOrder' }]);
  });
});
