import { afterEach, describe, expect, it } from 'vitest';
import { type Bus, type EventMeta } from '@remit/core';
import { deleteTopology, queueInfo, unique, waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { remit } from './run-cli.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

function dead(...args: string[]) {
  return remit(['dead', ...args, '--exchange', topology.exchange, '--dead-letter', topology.deadLetter]);
}

/** Dead-letters one event per payload through a handler that always throws, on its own bus. */
async function deadLetters(event: string, payloads: unknown[], group: string): Promise<Bus> {
  const failing = topology.bus({ service: 'mailer', retry: { attempts: 1 } });
  failing.on(event, function sendWelcomeMail() {
    throw new Error('SMTP server unavailable');
  }, { group });
  const publisher = topology.bus({ service: 'api' });
  await Promise.all([failing.start(), publisher.start()]);
  for (const payload of payloads) await publisher.publish(event, payload, { headers: { tenant: 'acme' } });
  await waitFor('the dead letters', async () => (await queueInfo(topology.deadLetter)).messageCount === payloads.length);
  return failing;
}

describe('remit dead', () => {
  it('lists dead letters with their reasons, replays them to a fixed handler, and leaves the queue empty', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const failing = await deadLetters('user.created', [{ id: 'u1', at: new Date('2026-11-24T12:00:00.000Z') }], group);

    const listed = await dead('list', '--json');
    expect(listed.code).toBe(0);
    const records = listed.stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      position: 1,
      name: 'user.created',
      service: 'api',
      headers: { tenant: 'acme' },
      payload: { id: 'u1', at: '2026-11-24T12:00:00.000Z' },
      dead: {
        reason: 'handler-failed',
        handler: 'sendWelcomeMail',
        attempts: 1,
        queue: topology.groupQueue(group),
        by: failing.instanceId,
      },
    });
    expect(String((records[0]?.dead as { error: string }).error)).toContain('SMTP server unavailable');
    // Listing removed nothing.
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(1);

    await failing.close();
    const fixed = topology.bus({ service: 'mailer' });
    const handled: { payload: unknown; meta: EventMeta }[] = [];
    fixed.on('user.created', (payload, meta) => void handled.push({ payload, meta }), { group });
    await fixed.start();

    const replayed = await dead('replay', '--all');
    expect(replayed).toMatchObject({ code: 0, stderr: '' });
    expect(replayed.stdout).toContain(`replayed 1 dead letter from ${topology.deadLetter} to ${topology.exchange}`);
    await waitFor('the fixed handler', () => handled.length === 1);
    expect(handled[0]?.payload).toEqual({ id: 'u1', at: new Date('2026-11-24T12:00:00.000Z') });
    expect(handled[0]?.meta).toMatchObject({ id: records[0]?.id, service: 'api', headers: { tenant: 'acme' } });
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });

  it('prints a readable list with the reason, error and payload', async () => {
    topology = new TestTopology();
    await deadLetters('order.placed', [{ order: 1 }, { order: 2 }], topology.group('orders'));

    const listed = await dead('list', '--limit', '1');

    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/^#1 {2}order\.placed {2}\S+/);
    expect(listed.stdout).toContain('reason   handler-failed after 1 attempt');
    expect(listed.stdout).toContain('error    sendWelcomeMail: SMTP server unavailable');
    expect(listed.stdout).toContain('payload  { order: 1 }');
    expect(listed.stdout).not.toContain('#2');
    expect(listed.stderr).toContain(`${topology.deadLetter}: 2 dead letters, showing the first 1 (--limit)`);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(2);
  });

  it('replays only the ids asked for, keeps the rest, and reports an id it cannot find with exit code 1', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const failing = await deadLetters('user.created', [{ id: 'a' }, { id: 'b' }], group);
    const records = (await dead('list', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { id: string; payload: { id: string } });
    const second = records.find((record) => record.payload.id === 'b');
    await failing.close();
    const fixed = topology.bus({ service: 'mailer' });
    const handled: unknown[] = [];
    fixed.on('user.created', (payload) => void handled.push(payload), { group });
    await fixed.start();

    const replayed = await dead('replay', '--id', String(second?.id), '--id', 'no-such-id');

    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('replayed 1 dead letter');
    expect(replayed.stderr).toContain(`not found in ${topology.deadLetter}: no-such-id`);
    await waitFor('the replayed event', () => handled.length === 1);
    expect(handled).toEqual([{ id: 'b' }]);
    const left = (await dead('list', '--json')).stdout.trim().split('\n').map((line) => JSON.parse(line) as { payload: unknown });
    expect(left.map((record) => record.payload)).toEqual([{ id: 'a' }]);
  });

  it('replays into the queue the event died in, with a new id, so an instance that is still running handles it', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const other = topology.group('audit');
    const worker = topology.bus({ service: 'mailer', retry: { attempts: 1 } });
    let smtpUp = false;
    const sent: unknown[] = [];
    worker.on('user.created', (payload) => {
      if (!smtpUp) throw new Error('SMTP server unavailable');
      sent.push(payload);
    }, { group });
    const audited: unknown[] = [];
    worker.on('user.created', (payload) => void audited.push(payload), { group: other });
    const publisher = topology.bus({ service: 'api' });
    await Promise.all([worker.start(), publisher.start()]);
    await publisher.publish('user.created', { id: 'u9' });
    await waitFor('the dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1);
    smtpUp = true;

    const replayed = await dead('replay', '--all', '--to-queue', '--new-id');

    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('replayed 1 dead letter');
    await waitFor('the mail to be sent', () => sent.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toEqual([{ id: 'u9' }]);
    // The audit group, which handled the event the first time, does not see it again.
    expect(audited).toEqual([{ id: 'u9' }]);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });

  it('keeps a dead letter whose replay no queue takes, and says why', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const failing = await deadLetters('user.created', [{ id: 'u1' }], group);
    await failing.close();
    // Nothing is bound to this exchange, so the broker returns the replayed message.
    const empty = unique('test.unbound');
    await withRawChannel((channel) => channel.assertExchange(empty, 'fanout', { autoDelete: true }));

    const replayed = await remit(['dead', 'replay', '--all', '--exchange', empty, '--dead-letter', topology.deadLetter]);
    await deleteTopology({ exchanges: [empty] });

    expect(replayed.code).toBe(1);
    expect(replayed.stdout).toContain('replayed 0 dead letters');
    expect(replayed.stderr).toContain(`no queue is bound to ${empty}`);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(1);
  });

  it('purges only with --yes when not on a terminal', async () => {
    topology = new TestTopology();
    await deadLetters('job', [{ n: 1 }, { n: 2 }, { n: 3 }], topology.group('jobs'));

    const refused = await dead('purge');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('refusing to purge without --yes');
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(3);

    const purged = await dead('purge', '--yes');
    expect(purged.code).toBe(0);
    expect(purged.stdout).toContain(`purged 3 messages from ${topology.deadLetter}`);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(0);
  });

  it('says so with exit code 1 when the dead-letter queue or the exchange to replay to does not exist', async () => {
    topology = new TestTopology();
    await deadLetters('job', [{ n: 1 }], topology.group('jobs'));
    const missing = unique('test.nowhere');

    const noQueue = await remit(['dead', 'list', '--dead-letter', missing]);
    const noExchange = await remit(['dead', 'replay', '--all', '--exchange', missing, '--dead-letter', topology.deadLetter]);

    expect(noQueue.code).toBe(1);
    expect(noQueue.stderr).toContain(`there is no queue "${missing}"`);
    expect(noExchange.code).toBe(1);
    expect(noExchange.stderr).toContain(`there is no exchange "${missing}"`);
    expect((await queueInfo(topology.deadLetter)).messageCount).toBe(1);
  });

  it('asks for --id or --all before replaying anything', async () => {
    topology = new TestTopology();

    const neither = await dead('replay');
    const both = await dead('replay', '--all', '--id', 'x');

    expect(neither.code).toBe(2);
    expect(both.code).toBe(2);
    expect(neither.stderr).toContain('--id <messageId> (repeatable) or --all');
  });

  it('shows the tries and the delays a dead letter of delayed retries had, and a replay starts its tries afresh', async () => {
    topology = new TestTopology();
    const group = topology.group('mailer');
    const delayQueues = [`remit.delay.200@${topology.exchange}`, `remit.delay.400@${topology.exchange}`];
    try {
      const failing = topology.bus({ service: 'mailer' });
      failing.on('user.created', function sendWelcomeMail() {
        throw new Error('SMTP server unavailable');
      }, { group, retry: { attempts: 2, initialDelayMs: 1, delays: [200, 400] } });
      const publisher = topology.bus({ service: 'api' });
      await Promise.all([failing.start(), publisher.start()]);
      await publisher.publish('user.created', { id: 'u9' });
      await waitFor('the dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1, 10_000);

      const listed = await dead('list');
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain('handler-failed after 6 attempts and delays of 200ms, 400ms');
      const json = await dead('list', '--json');
      expect(JSON.parse(json.stdout.trim())).toMatchObject({ dead: { attempts: 6, delays: [200, 400] } });

      await failing.close();
      const fixed = topology.bus({ service: 'mailer' });
      const attempts: number[] = [];
      fixed.on('user.created', (_payload, meta) => void attempts.push(meta.attempt), { group });
      await fixed.start();
      expect((await dead('replay', '--all')).code).toBe(0);
      await waitFor('the replayed event', () => attempts.length === 1);
      expect(attempts).toEqual([1]);
    } finally {
      await deleteTopology({ queues: delayQueues });
    }
  });
});
