import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { RemitProcess } from './run-cli.js';

let topology: TestTopology;
const running: RemitProcess[] = [];
afterEach(async () => {
  for (const cli of running.splice(0)) cli.kill('SIGKILL');
  await topology.cleanup();
});

/** Starts `remit tail` on the test exchange and waits until its queue is bound. */
async function tail(...args: string[]): Promise<RemitProcess> {
  const cli = new RemitProcess(['tail', ...args, '--exchange', topology.exchange, '--dead-letter', topology.deadLetter]);
  running.push(cli);
  await cli.waitForStderr('remit tail: listening');
  return cli;
}

describe('remit tail', () => {
  it('prints events a bus publishes as JSON lines: name, service, instance, id, time, payload', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'billing' });
    await publisher.start();
    const cli = await tail('--json', '--count', '2');

    await publisher.publish('invoice.paid', { id: 'i1', at: new Date('2026-11-24T12:00:00.000Z'), tags: new Set(['vip']) });
    await publisher.publish('invoice.voided', { id: 'i2' }, { headers: { reason: 'duplicate' }, to: 'ledger:ledger-1' });
    const { code } = await cli.result();

    expect(code).toBe(0);
    const [paid, voided, ...rest] = cli.records();
    expect(rest).toHaveLength(0);
    expect(paid).toMatchObject({
      name: 'invoice.paid',
      service: 'billing',
      instance: publisher.instanceId,
      codec: 'superjson',
      to: null,
      payload: { id: 'i1', at: '2026-11-24T12:00:00.000Z', tags: ['vip'] },
    });
    expect(typeof paid?.id).toBe('string');
    expect(Number.isNaN(Date.parse(String(paid?.publishedAt)))).toBe(false);
    expect(voided).toMatchObject({ name: 'invoice.voided', to: 'ledger:ledger-1', headers: { reason: 'duplicate' }, payload: { id: 'i2' } });
  });

  it('shows only events whose names match the pattern', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'api' });
    await publisher.start();
    const cli = await tail('user.*', '--json', '--count', '2');

    for (const name of ['order.placed', 'user.created', 'user.profile.updated', 'user.deleted']) {
      await publisher.publish(name, { name });
    }
    await cli.result();

    expect(cli.records().map((record) => record.name)).toEqual(['user.created', 'user.deleted']);
  });

  it('prints readable lines with --no-json', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'api' });
    await publisher.start();
    const cli = await tail('--no-json', '--count', '1');

    await publisher.publish('user.created', { id: 'u7' });
    await cli.result();

    const [line] = cli.lines();
    expect(line).toMatch(/^\d\d:\d\d:\d\d\.\d{3} {2}user\.created {2}api\//);
    expect(line).toContain("{ id: 'u7' }");
  });

  it('takes nothing away from group and broadcast handlers', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const publisher = topology.bus({ service: 'api' });
    const workers = [1, 2].map(() => topology.bus<{ 'mail.send': { n: number } }>({ service: 'mailer' }));
    const grouped: number[] = [];
    const broadcast: number[] = [];
    for (const worker of workers) worker.on('mail.send', (payload) => void grouped.push(payload.n), { group });
    workers[0]?.on('mail.send', (payload) => void broadcast.push(payload.n));
    await Promise.all([publisher, ...workers].map((bus) => bus.start()));
    const cli = await tail('--json', '--count', '20');

    for (let n = 0; n < 20; n++) await publisher.publish('mail.send', { n });
    await cli.result();
    await waitFor('every event handled', () => grouped.length === 20 && broadcast.length === 20);
    await new Promise((resolve) => setTimeout(resolve, 200));

    const expected = Array.from({ length: 20 }, (_, n) => n);
    expect(cli.records().map((record) => (record.payload as { n: number }).n)).toEqual(expected);
    expect([...grouped].sort((a, b) => a - b)).toEqual(expected);
    expect(broadcast).toEqual(expected);
  });

  it('on a topic exchange, binds its queue for the pattern only: the broker sends it nothing else', async () => {
    topology = new TestTopology({ routing: 'topic' });
    const publisher = topology.bus({ service: 'api' });
    await publisher.start();
    const cli = new RemitProcess(['tail', 'user.*', '--json', '--count', '2', '--exchange', topology.exchange, '--dead-letter', topology.deadLetter]);
    running.push(cli);
    await cli.waitForStderr('remit tail: listening');
    expect(cli.stderr).toContain('(topic exchange, bound to user.*)');

    for (const name of ['order.placed', 'user.created', 'user.profile.updated', 'user.deleted']) {
      await publisher.publish(name, { name });
    }
    await cli.result();

    expect(cli.records().map((record) => record.name)).toEqual(['user.created', 'user.deleted']);
    // Nothing else was bound: the other two came back to the publisher, unroutable.
    expect(publisher.stats().unroutable).toBe(2);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('stops cleanly with exit code 0 on %s', async (signal) => {
    topology = new TestTopology();
    const cli = await tail('--json');

    cli.kill(signal);

    expect(await cli.result()).toMatchObject({ code: 0, stdout: '' });
  });
});
