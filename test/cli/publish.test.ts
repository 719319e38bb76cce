import { afterEach, describe, expect, it } from 'vitest';
import { type EventMeta, Header } from '@remit/core';
import { drainQueue, unique, waitFor, withRawChannel } from '../helpers/broker.js';
import { CliTopology } from './cli-topology.js';
import { remit } from './run-cli.js';

let topology: CliTopology;
afterEach(async () => topology.cleanup());

/** A plain queue bound to the test exchange, to read exactly what the CLI put on the wire. */
async function wireTap(exchange: string): Promise<string> {
  const queue = topology.track(unique('test.tap'));
  await withRawChannel(async (channel) => {
    await channel.assertExchange(exchange, 'fanout', { durable: true });
    await channel.assertQueue(queue, { durable: false });
    await channel.bindQueue(queue, exchange, '');
  });
  return queue;
}

describe('remit publish', () => {
  it('publishes to a topic exchange as it is (amqp({ routing: "topic" }) buses), found by its type', async () => {
    topology = new CliTopology({ routing: 'topic' });
    const consumer = topology.bus({ service: 'billing' });
    const heard: string[] = [];
    consumer.on('invoice.*', (_payload, meta) => void heard.push(meta.name));
    await consumer.start();

    const result = await remit(['publish', 'invoice.paid', '{"id":"i1"}', ...topology.flags()]);

    expect(result).toMatchObject({ code: 0 });
    await waitFor('the topic bus to hear it', () => heard.length === 1);
    expect(heard).toEqual(['invoice.paid']);
  });

  it('publishes an event that a bus on the same exchange handles, with its headers', async () => {
    topology = new CliTopology();
    const consumer = topology.bus({ service: 'billing' });
    const heard: { payload: unknown; meta: EventMeta }[] = [];
    consumer.on('user.created', (payload, meta) => void heard.push({ payload, meta }), { group: topology.group('billing') });
    await consumer.start();

    const result = await remit([
      'publish',
      'user.created',
      '{"id":"u1","email":"a@b.c","tags":["new"]}',
      ...topology.flags(),
      '--header',
      'source=backfill',
      '-H',
      'batch=7',
    ]);

    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`published user.created to ${topology.exchange}`);
    await waitFor('the bus to handle the event', () => heard.length === 1);
    expect(heard[0]?.payload).toEqual({ id: 'u1', email: 'a@b.c', tags: ['new'] });
    expect(heard[0]?.meta).toMatchObject({ name: 'user.created', service: 'remit-cli', headers: { source: 'backfill', batch: '7' } });
  });

  it('reads the payload from stdin when the argument is omitted', async () => {
    topology = new CliTopology();
    const consumer = topology.bus({ service: 'orders' });
    const heard: unknown[] = [];
    consumer.on('order.placed', (payload) => void heard.push(payload));
    await consumer.start();

    const result = await remit(['publish', 'order.placed', ...topology.flags()], {
      input: '{"order": 42, "lines": [{"sku": "A", "qty": 2}]}\n',
    });

    expect(result.code).toBe(0);
    await waitFor('the bus to handle the event', () => heard.length === 1);
    expect(heard[0]).toEqual({ order: 42, lines: [{ sku: 'A', qty: 2 }] });
  });

  it('writes the codec, persistence, service and headers to the wire as asked', async () => {
    topology = new CliTopology();
    const tap = await wireTap(topology.exchange);

    const result = await remit([
      'publish',
      'cache.cleared',
      '[1,2]',
      '--codec',
      'json',
      '--no-persistent',
      '--service',
      'ops',
      ...topology.flags(),
    ]);

    expect(result.code).toBe(0);
    const [message, ...rest] = await withRawChannel((channel) => drainQueue(channel, tap));
    expect(rest).toHaveLength(0);
    expect(message?.content.toString()).toBe('[1,2]');
    expect(message?.properties).toMatchObject({ type: 'cache.cleared', appId: 'ops', deliveryMode: 1 });
    // Wire format 2: json, the default codec, and the version go without a header.
    expect(message?.properties.headers?.[Header.codec]).toBeUndefined();
    expect(message?.properties.headers?.[Header.version]).toBeUndefined();
  });

  it('rejects a JSON argument that does not parse with exit code 2 and sends nothing', async () => {
    topology = new CliTopology();
    const tap = await wireTap(topology.exchange);

    const result = await remit(['publish', 'user.created', '{id: u1}', ...topology.flags()]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('remit publish: the JSON argument is not valid JSON');
    expect(result.stderr).toContain('remit publish --help');
    expect(result.stdout).toBe('');
    expect(await withRawChannel((channel) => channel.checkQueue(tap))).toMatchObject({ messageCount: 0 });
  });

  it('rejects empty stdin, a malformed header and an unknown codec as usage errors', async () => {
    topology = new CliTopology();
    const noPayload = await remit(['publish', 'x', ...topology.flags()]);
    const badHeader = await remit(['publish', 'x', '{}', '--header', 'novalue', ...topology.flags()]);
    const badCodec = await remit(['publish', 'x', '{}', '--codec', 'xml', ...topology.flags()]);

    expect(noPayload.code).toBe(2);
    expect(noPayload.stderr).toContain('stdin is empty');
    expect(badHeader.code).toBe(2);
    expect(badHeader.stderr).toContain('--header expects key=value, got "novalue"');
    expect(badCodec.code).toBe(2);
    expect(badCodec.stderr).toContain('--codec must be json or superjson');
  });

  it('fails with exit code 1 on an unreachable broker and never prints the password of --url', async () => {
    topology = new CliTopology();
    const password = 's3cret-Pa55word';
    const url = `amqp://operator:${password}@127.0.0.1:1/`;

    const result = await remit(['publish', 'user.created', '{}', '--url', url, '--timeout', '1500']);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('remit publish: Could not connect to amqp://operator:***@127.0.0.1:1');
    expect(result.stderr + result.stdout).not.toContain(password);
  });

  it('never prints the password of AMQP_URL either, even in a usage error', async () => {
    topology = new CliTopology();
    const password = 'env-Secret-99';

    const refused = await remit(['tail', '--timeout', '1500'], { env: { AMQP_URL: `amqp://ops:${password}@127.0.0.1:1` } });
    const badScheme = await remit(['dead', 'list'], { env: { AMQP_URL: `http://ops:${password}@127.0.0.1:1` } });

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('could not connect to amqp://ops:***@127.0.0.1:1');
    expect(badScheme.code).toBe(2);
    expect(badScheme.stderr).toContain('URL protocol "http:" is not supported');
    for (const result of [refused, badScheme]) expect(result.stderr + result.stdout).not.toContain(password);
  });

  it('exits 1 when the broker returns the event because no queue is bound, and 0 with --allow-unrouted', async () => {
    topology = new CliTopology();
    // Nothing is bound to this exchange: the broker confirms the event and returns it.
    const lonely = unique('test.lonely');
    const publish = (...extra: string[]) => remit(['publish', 'nobody.listens', '{}', ...topology.flags(), '--exchange', lonely, ...extra]);
    let refused: Awaited<ReturnType<typeof remit>>;
    let allowed: Awaited<ReturnType<typeof remit>>;
    try {
      refused = await publish();
      allowed = await publish('--allow-unrouted');
    } finally {
      await withRawChannel((channel) => channel.deleteExchange(lonely));
    }

    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`returned it: no queue is bound to ${lonely}`);
    expect(refused.stderr).toContain('--allow-unrouted');
    expect(refused.stdout).toBe('');
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain(`but no queue took it: nothing is bound to ${lonely}`);
  });
});
