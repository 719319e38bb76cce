import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { stopProcessGroup } from '../helpers/processes.js';
import { POSTGRES_URL, TestSchema } from '../helpers/postgres.js';

const EXAMPLE = fileURLToPath(new URL('../../examples/outbox/', import.meta.url));

let example: ChildProcess | undefined;
let exchange = '';
let group = '';
let schema: TestSchema | undefined;
afterEach(async () => {
  await stopProcessGroup(example);
  await deleteTopology({ exchanges: [exchange], queues: [`remit.group.${group}`] });
  await schema?.drop();
});

describe('examples/outbox, started as its README says', () => {
  it('an order posted to one instance is invoiced once by the other, through the outbox and the inbox', async () => {
    exchange = unique('test.example.outbox');
    group = unique('test-example-invoicing');
    schema = TestSchema.reserve();
    let output = '';
    // The README's `pnpm start` is "build the packages, then node main.mjs"; the test command has built them.
    example = spawn(process.execPath, ['main.mjs'], {
      cwd: EXAMPLE,
      env: { ...process.env, AMQP_URL, DATABASE_URL: POSTGRES_URL, EXAMPLE_SCHEMA: schema.name, REMIT_EXCHANGE: exchange, REMIT_GROUP: group, PORT_A: '0', PORT_B: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    example.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    example.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const port = (name: string): string | undefined =>
      [...output.matchAll(/\[(\w)\] \w+ listening on http:\/\/localhost:(\d+)/g)].find((match) => match[1] === name)?.[2];
    await waitFor('both instances to listen', () => port('a') !== undefined && port('b') !== undefined, 30_000);
    const [a, b] = [`http://127.0.0.1:${port('a')}`, `http://127.0.0.1:${port('b')}`];

    const post = (body: object) => fetch(`${a}/orders`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const placed = await post({ id: 'o-1', customer: 'ada', total: 42 });
    expect(placed.status).toBe(201);
    const { event } = (await placed.json()) as { event: string };
    expect((await post({ id: 'o-1', customer: 'ada', total: 43 })).status).toBe(409); // the same order again: rolled back, no event
    expect((await post({ customer: 'ada' })).status).toBe(400);

    const invoices = async () => (await (await fetch(`${b}/invoices`)).json()) as { order_id: string; amount: number; event_id: string }[];
    await waitFor('the invoice', async () => (await invoices()).length === 1, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await invoices()).toEqual([{ order_id: 'o-1', amount: 42, event_id: event }]);
    expect(output).toContain(`[a] order o-1 saved with event ${event}`);
    expect(output).toContain('[b] invoiced order o-1 (42) placed at ');
    const stats = (await (await fetch(`${a}/outbox`)).json()) as { waiting: number };
    expect(stats.waiting).toBe(0);

    await stopProcessGroup(example);
    expect(output).toContain('[a] closed');
    expect(output).toContain('[b] closed');
  }, 60_000);
});
