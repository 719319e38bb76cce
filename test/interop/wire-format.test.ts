/**
 * Proves that docs/wire-format.md alone is enough for a foreign client.
 *
 * The remit side uses only the public API of `@remit/core`. The raw side uses amqplib and
 * nothing but the rules written in docs/wire-format.md: it never imports remit's envelope or
 * codec code, and the superjson bodies below are written (and decoded) by hand.
 */
import { randomUUID } from 'node:crypto';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, GetMessage, Options } from 'amqplib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { amqp, createBus, type Bus, type EventMeta } from '@remit/core';
import { AMQP_URL, deleteTopology, drainQueue, rawChannel, unique, waitFor } from '../helpers/broker.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

interface Received {
  name: string;
  payload: unknown;
  meta: EventMeta;
}

// ── the raw side, written from docs/wire-format.md only ─────────────────────────────────────

/** "A client that only publishes needs only the exchange": fanout, durable. */
async function rawPublisher(connection: ChannelModel, exchange: string): Promise<ConfirmChannel> {
  const channel = await connection.createConfirmChannel();
  await channel.assertExchange(exchange, 'fanout', { durable: true });
  return channel;
}

async function rawPublish(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  body: string | Buffer,
  options: Options.Publish,
): Promise<void> {
  channel.publish(exchange, routingKey, typeof body === 'string' ? Buffer.from(body, 'utf8') : body, options);
  await channel.waitForConfirms();
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The document's superjson rules, and only those: `meta.values` maps a dotted path in `json`
 * to its original type; Date = ISO string, bigint = decimal string, map = array of [key, value]
 * pairs, set = array, undefined = null. Anything else is an error, so an annotation the document
 * does not describe fails the test instead of being guessed at.
 */
function decodeSuperjsonPerDocument(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || !('json' in body)) {
    throw new Error(`not a superjson body: ${JSON.stringify(body)}`);
  }
  const { json, meta } = body as { json: Json; meta?: { values?: Record<string, unknown> } };
  let root: unknown = structuredClone(json);
  const values = meta?.values ?? {};
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    throw new Error(`meta.values is not a map of dotted paths: ${JSON.stringify(values)}`);
  }
  // Deeper paths first, so a parent conversion sees already converted children.
  const entries = Object.entries(values).sort(([a], [b]) => b.split('.').length - a.split('.').length);
  for (const [path, annotation] of entries) {
    const segments = path === '' ? [] : path.split('.');
    root = replaceAt(root, segments, (value) => convert(value, annotation, path));
  }
  return root;
}

function convert(value: unknown, annotation: unknown, path: string): unknown {
  if (!Array.isArray(annotation) || annotation.length !== 1 || typeof annotation[0] !== 'string') {
    throw new Error(`annotation at "${path}" is not one of the documented forms: ${JSON.stringify(annotation)}`);
  }
  switch (annotation[0]) {
    case 'Date':
      if (typeof value !== 'string') throw new Error(`Date at "${path}" is not an ISO string`);
      return new Date(value);
    case 'bigint':
      if (typeof value !== 'string' || !/^-?\d+$/.test(value)) throw new Error(`bigint at "${path}" is not a decimal string`);
      return BigInt(value);
    case 'map':
      if (!Array.isArray(value)) throw new Error(`map at "${path}" is not an array of pairs`);
      return new Map(value.map((pair) => {
        if (!Array.isArray(pair) || pair.length !== 2) throw new Error(`map at "${path}" holds a non-pair`);
        return [pair[0], pair[1]] as const;
      }));
    case 'set':
      if (!Array.isArray(value)) throw new Error(`set at "${path}" is not an array`);
      return new Set(value);
    case 'undefined':
      if (value !== null) throw new Error(`undefined at "${path}" is not null`);
      return undefined;
    default:
      throw new Error(`annotation "${annotation[0]}" at "${path}" is not described by the document`);
  }
}

function replaceAt(root: unknown, segments: string[], change: (value: unknown) => unknown): unknown {
  if (segments.length === 0) return change(root);
  const [head, ...rest] = segments as [string, ...string[]];
  if (typeof root !== 'object' || root === null) throw new Error(`path segment "${head}" does not exist`);
  const container = root as Record<string, unknown>;
  if (!Object.prototype.hasOwnProperty.call(container, head)) throw new Error(`path segment "${head}" does not exist`);
  container[head] = replaceAt(container[head], rest, change);
  return root;
}

// ── the tests ───────────────────────────────────────────────────────────────────────────────

describe('docs/wire-format.md is enough for a foreign AMQP client', () => {
  let exchange: string;
  let deadLetter: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(() => {
    exchange = unique('interop.events');
    deadLetter = unique('interop.dead');
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
    await deleteTopology({ exchanges: [exchange, deadLetter], queues: [deadLetter] });
  });

  function remitBus(service: string): Bus {
    const bus = createBus({ service, transport: amqp({ url: AMQP_URL, exchange, deadLetter }), logger: false });
    cleanups.push(() => bus.close({ timeoutMs: 5000 }));
    return bus;
  }

  /**
   * "A foreign client that wants to receive events declares its own queue ... and binds it": a raw
   * amqplib consumer on the events exchange; the messages it received.
   */
  async function rawTap(): Promise<ConsumeMessage[]> {
    const { channel } = await raw();
    await channel.assertExchange(exchange, 'fanout', { durable: true });
    const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, exchange, '');
    const messages: ConsumeMessage[] = [];
    await channel.consume(queue, (message) => void (message && messages.push(message)), { noAck: true });
    return messages;
  }

  async function raw(): Promise<{ connection: ChannelModel; channel: Channel }> {
    const opened = await rawChannel();
    cleanups.push(opened.close);
    return opened;
  }

  function record(bus: Bus, name: string, into: Received[]): void {
    bus.on(name, (payload, meta) => {
      into.push({ name, payload, meta });
    });
  }

  it('a raw amqplib publisher (plain JSON with remit-codec json, and with no remit headers at all) is handled by a remit bus with payload, id, service, name and application headers', async () => {
    const bus = remitBus(unique('interop-receiver'));
    const received: Received[] = [];
    record(bus, 'user.created', received);
    record(bus, 'user.touched', received);
    await bus.start();

    const { connection } = await raw();
    const publisher = await rawPublisher(connection, exchange);

    // 1. Like the document's Node example, plus a timestamp and application headers.
    const withCodecId = randomUUID();
    const timestampSeconds = Math.floor(Date.now() / 1000) - 60;
    await rawPublish(publisher, exchange, 'user.created', JSON.stringify({ id: 'u2', tags: ['a', 'b'], n: 42 }), {
      messageId: withCodecId,
      type: 'user.created',
      appId: 'legacy-php',
      contentType: 'application/json',
      timestamp: timestampSeconds,
      headers: { 'remit-version': 1, 'remit-codec': 'json', tenant: 'acme', attempt: 3, beta: true },
    });

    // 2. The bare minimum: a routing key, a messageId and a JSON body; no type, appId or headers.
    const bareId = `legacy-${randomUUID()}`;
    const beforeBare = Date.now();
    await rawPublish(publisher, exchange, 'user.touched', JSON.stringify({ id: 'u3' }), { messageId: bareId });

    await waitFor('both raw events to reach the remit handlers', () => received.length === 2);
    const afterBare = Date.now();

    const withCodec = received.find((event) => event.name === 'user.created');
    expect(withCodec?.payload).toStrictEqual({ id: 'u2', tags: ['a', 'b'], n: 42 });
    expect(withCodec?.meta.id).toBe(withCodecId);
    expect(withCodec?.meta.service).toBe('legacy-php');
    expect(withCodec?.meta.name).toBe('user.created');
    expect(withCodec?.meta.headers).toStrictEqual({ tenant: 'acme', attempt: 3, beta: true });
    expect(withCodec?.meta.redelivered).toBe(false);
    // "remit-published-at ... no: `timestamp` is used, then the receive time"
    expect(withCodec?.meta.publishedAt.getTime()).toBe(timestampSeconds * 1000);

    const bare = received.find((event) => event.name === 'user.touched');
    // "remit-codec ... absent means json": a JSON object body is the payload itself.
    expect(bare?.payload).toStrictEqual({ id: 'u3' });
    expect(bare?.meta.id).toBe(bareId);
    // "appId ... no (`meta.service` is "unknown" without it)"
    expect(bare?.meta.service).toBe('unknown');
    // "type ... no: the routing key is used when it is absent"
    expect(bare?.meta.name).toBe('user.touched');
    expect(bare?.meta.headers).toStrictEqual({});
    // Neither timestamp nor remit-published-at: the receive time.
    expect(bare?.meta.publishedAt.getTime()).toBeGreaterThanOrEqual(beforeBare);
    expect(bare?.meta.publishedAt.getTime()).toBeLessThanOrEqual(afterBare);
  });

  it('a superjson body written by hand per the document (Date, bigint, map, set, undefined in meta.values) is decoded by remit into real instances', async () => {
    const bus = remitBus(unique('interop-receiver'));
    const received: Received[] = [];
    record(bus, 'invoice.issued', received);
    await bus.start();

    const { connection } = await raw();
    const publisher = await rawPublisher(connection, exchange);
    const publishedAtMs = Date.now() - 1234;
    const body = {
      json: {
        id: 'inv-1',
        at: '2026-11-24T12:00:00.000Z',
        amount: '123456789012345678901234567890',
        tags: ['new', 'vip'],
        lines: [
          ['sku-1', 2],
          ['sku-2', 5],
        ],
        discount: null,
        plain: null,
        nested: { due: '2026-12-24T00:00:00.000Z' },
      },
      meta: {
        values: {
          at: ['Date'],
          amount: ['bigint'],
          tags: ['set'],
          lines: ['map'],
          discount: ['undefined'],
          'nested.due': ['Date'],
        },
      },
    };
    const messageId = randomUUID();
    await rawPublish(publisher, exchange, 'invoice.issued', JSON.stringify(body), {
      messageId,
      type: 'invoice.issued',
      appId: 'billing-go',
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { 'remit-version': 1, 'remit-codec': 'superjson', 'remit-published-at': publishedAtMs },
    });

    await waitFor('the superjson event to reach the remit handler', () => received.length === 1);
    const [event] = received;
    const payload = event?.payload as Record<string, unknown>;
    expect(payload.at).toBeInstanceOf(Date);
    expect((payload.at as Date).toISOString()).toBe('2026-11-24T12:00:00.000Z');
    expect(typeof payload.amount).toBe('bigint');
    expect(payload.amount).toBe(123456789012345678901234567890n);
    expect(payload).toStrictEqual({
      id: 'inv-1',
      at: new Date('2026-11-24T12:00:00.000Z'),
      amount: 123456789012345678901234567890n,
      tags: new Set(['new', 'vip']),
      lines: new Map([
        ['sku-1', 2],
        ['sku-2', 5],
      ]),
      discount: undefined,
      plain: null,
      nested: { due: new Date('2026-12-24T00:00:00.000Z') },
    });
    expect(Object.prototype.hasOwnProperty.call(payload, 'discount')).toBe(true);
    expect(event?.meta.id).toBe(messageId);
    expect(event?.meta.service).toBe('billing-go');
    // "remit-published-at ... gives `meta.publishedAt` its precision"
    expect(event?.meta.publishedAt.getTime()).toBe(publishedAtMs);
  });

  it('wire format 2: a plain payload goes as plain JSON with remit-instance as its only header, which a version-1 reader (no header = json, no version = its own) reads as it is', async () => {
    const bus = remitBus(unique('interop-v2'));
    await bus.start();
    const messages = await rawTap();

    const payload = { id: 'o-2', total: 12.5, lines: [{ sku: 'a', n: 2 }], note: null, gift: false };
    await bus.publish('order.placed', payload);
    await waitFor('the raw consumer to receive the remit event', () => messages.length === 1);
    const message = messages[0]!;
    expect(message.properties.headers).toStrictEqual({ 'remit-instance': bus.instanceId });
    expect(message.properties.messageId).toMatch(UUID_V7);
    // What a version-1 reader does with it: no remit-version, so no version to refuse; no
    // remit-codec, so json; the body parses to the payload itself.
    expect(JSON.parse(message.content.toString('utf8'))).toStrictEqual(payload);
    // An id the publisher chose carries no time: remit-published-at goes along then.
    await bus.publish('order.placed', payload, { id: 'order-2' });
    await waitFor('the second event', () => messages.length === 2);
    expect(messages[1]!.properties.messageId).toBe('order-2');
    expect(messages[1]!.properties.headers?.['remit-published-at']).toBeTypeOf('number');
  });

  it('an event a remit bus publishes with the default superjson codec is read by a raw amqplib consumer using only the documented properties, headers and annotations', async () => {
    const service = unique('interop-publisher');
    const bus = remitBus(service);
    await bus.start();
    const messages = await rawTap();

    const payload = {
      id: 'o-1',
      at: new Date('2026-11-24T12:00:00.000Z'),
      amount: 2n ** 70n + 1n,
      tags: new Set(['new', 'vip']),
      scores: new Map([
        ['alice', 3],
        ['bob', 5],
      ]),
      removed: undefined,
      nested: { when: new Date('2027-01-01T00:00:00.000Z') },
      plain: [1, 'two', null, true],
    };
    const before = Date.now();
    await bus.publish('order.placed', payload, { headers: { tenant: 'acme' } });
    await waitFor('the raw consumer to receive the remit event', () => messages.length >= 1);
    const after = Date.now();
    expect(messages).toHaveLength(1);
    const message = messages[0]!;

    // Routing key and properties.
    expect(message.fields.exchange).toBe(exchange);
    expect(message.fields.routingKey).toBe('order.placed');
    const { properties } = message;
    expect(properties.type).toBe('order.placed');
    // Wire format 2: a UUIDv7 id, whose first 48 bits are the publish time in milliseconds.
    expect(properties.messageId).toMatch(UUID_V7);
    const publishedAt = parseInt(properties.messageId.slice(0, 8) + properties.messageId.slice(9, 13), 16);
    expect(publishedAt).toBeGreaterThanOrEqual(before);
    expect(publishedAt).toBeLessThanOrEqual(after);
    expect(properties.appId).toBe(service);
    expect(properties.contentType).toBe('application/json');
    expect(properties.deliveryMode).toBe(2);
    expect(Number.isInteger(properties.timestamp)).toBe(true);
    expect(properties.timestamp).toBeGreaterThanOrEqual(Math.floor(before / 1000));
    expect(properties.timestamp).toBeLessThanOrEqual(Math.ceil(after / 1000));

    // Headers.
    const headers = properties.headers ?? {};
    // Version 2 leaves out what is at its default: no remit-version, no remit-published-at (the id has it).
    expect(headers['remit-version']).toBeUndefined();
    expect(headers['remit-published-at']).toBeUndefined();
    expect(headers['remit-codec']).toBe('superjson');
    expect(headers['remit-instance']).toBe(bus.instanceId);
    expect(Math.floor(publishedAt / 1000)).toBe(properties.timestamp);
    expect(headers.tenant).toBe('acme');

    // Body: UTF-8 JSON, `{ json, meta }`, annotations as documented.
    const body = JSON.parse(message.content.toString('utf8')) as { json: Record<string, Json>; meta: { values: Record<string, unknown> } };
    expect(body.json.at).toBe('2026-11-24T12:00:00.000Z');
    expect(body.json.amount).toBe((2n ** 70n + 1n).toString());
    expect(body.json.tags).toStrictEqual(['new', 'vip']);
    expect(body.json.scores).toStrictEqual([
      ['alice', 3],
      ['bob', 5],
    ]);
    expect(body.json.removed).toBeNull();
    expect(body.meta.values).toMatchObject({
      at: ['Date'],
      amount: ['bigint'],
      tags: ['set'],
      scores: ['map'],
      removed: ['undefined'],
      'nested.when': ['Date'],
    });

    const decoded = decodeSuperjsonPerDocument(body) as Record<string, unknown>;
    expect(decoded.at).toBeInstanceOf(Date);
    expect(typeof decoded.amount).toBe('bigint');
    expect(decoded.tags).toBeInstanceOf(Set);
    expect(decoded.scores).toBeInstanceOf(Map);
    expect(decoded).toStrictEqual(payload);
  });

  it('poison from a raw publisher (invalid JSON, superjson body 42, unknown codec, missing messageId, remit-version 3, and every other row of the receiving-rules table) is dead-lettered with the documented remit-dead-reason and a good event after it is still handled', async () => {
    const service = unique('interop-receiver');
    const bus = remitBus(service);
    const received: Received[] = [];
    interface Poison {
      label: string;
      routingKey: string;
      reason: string;
      body: string | Buffer;
      options: Options.Publish & { headers: Record<string, unknown> };
    }
    const poison: Poison[] = [
      {
        label: 'not JSON',
        routingKey: 'poison.invalid-json',
        reason: 'invalid-json',
        body: '{"id": "p1", ',
        options: { messageId: randomUUID(), type: 'poison.invalid-json', headers: { 'remit-codec': 'json' } },
      },
      {
        label: 'not UTF-8',
        routingKey: 'poison.not-utf8',
        reason: 'invalid-json',
        body: Buffer.from([0xff, 0xfe, 0x22, 0x78, 0x22]),
        options: { messageId: randomUUID(), type: 'poison.not-utf8', headers: {} },
      },
      {
        label: 'superjson body 42',
        routingKey: 'poison.wrong-shape',
        reason: 'wrong-shape',
        body: '42',
        options: { messageId: randomUUID(), type: 'poison.wrong-shape', headers: { 'remit-codec': 'superjson' } },
      },
      {
        label: 'superjson body {}',
        routingKey: 'poison.wrong-shape-empty',
        reason: 'wrong-shape',
        body: '{}',
        options: { messageId: randomUUID(), type: 'poison.wrong-shape-empty', headers: { 'remit-codec': 'superjson' } },
      },
      {
        label: 'bigint annotation on a non-number',
        routingKey: 'poison.invalid-superjson',
        reason: 'invalid-superjson',
        body: '{"json":{"amount":"not a number"},"meta":{"values":{"amount":["bigint"]}}}',
        options: { messageId: randomUUID(), type: 'poison.invalid-superjson', headers: { 'remit-codec': 'superjson' } },
      },
      {
        label: 'annotation that touches a prototype',
        routingKey: 'poison.prototype',
        reason: 'invalid-superjson',
        body: '{"json":{},"meta":{"values":{"__proto__.polluted":["Date"]}}}',
        options: { messageId: randomUUID(), type: 'poison.prototype', headers: { 'remit-codec': 'superjson' } },
      },
      {
        label: 'unknown codec',
        routingKey: 'poison.unknown-codec',
        reason: 'unknown-codec',
        body: '{"id":"p3"}',
        options: { messageId: randomUUID(), type: 'poison.unknown-codec', headers: { 'remit-codec': 'protobuf' } },
      },
      {
        label: 'no messageId',
        routingKey: 'poison.missing-id',
        reason: 'missing-id',
        body: '{"id":"p4"}',
        options: { type: 'poison.missing-id', headers: { 'remit-codec': 'json' } },
      },
      {
        label: 'empty messageId',
        routingKey: 'poison.empty-id',
        reason: 'missing-id',
        body: '{"id":"p4b"}',
        options: { messageId: '', type: 'poison.empty-id', headers: {} },
      },
      {
        label: 'no type and no routing key',
        routingKey: '',
        reason: 'missing-name',
        body: '{"id":"p6"}',
        options: { messageId: randomUUID(), headers: {} },
      },
      {
        label: 'remit-version 3',
        routingKey: 'poison.version-3',
        reason: 'unsupported-version',
        body: '{"id":"p5"}',
        options: { messageId: randomUUID(), type: 'poison.version-3', headers: { 'remit-version': 3, 'remit-codec': 'json' } },
      },
      {
        label: 'body over maxPayloadBytes (1 MiB)',
        routingKey: 'poison.oversized',
        reason: 'oversized',
        body: JSON.stringify('x'.repeat(1_048_576)),
        options: { messageId: randomUUID(), type: 'poison.oversized', headers: { 'remit-codec': 'json' } },
      },
    ];
    const bodyOf = (entry: Poison): Buffer => (typeof entry.body === 'string' ? Buffer.from(entry.body, 'utf8') : entry.body);
    for (const { routingKey } of poison) if (routingKey) record(bus, routingKey, received);
    record(bus, 'user.created', received);
    await bus.start();

    const { connection, channel } = await raw();
    const publisher = await rawPublisher(connection, exchange);
    const before = Date.now();
    for (const entry of poison) {
      await rawPublish(publisher, exchange, entry.routingKey, bodyOf(entry), {
        contentType: 'application/json',
        ...entry.options,
        // An application header, kept on the dead letter, tells the cases apart.
        headers: { ...entry.options.headers, 'test-case': entry.label },
      });
    }
    const goodId = randomUUID();
    await rawPublish(publisher, exchange, 'user.created', JSON.stringify({ id: 'after-poison' }), {
      messageId: goodId,
      type: 'user.created',
      appId: 'legacy-php',
      headers: { 'remit-version': 1, 'remit-codec': 'json' },
    });

    await waitFor('the good event after the poison to be handled', () => received.some((event) => event.name === 'user.created'));

    // The dead-letter queue is named like the deadLetter exchange.
    const dead: GetMessage[] = [];
    await waitFor('every poison message to reach the dead-letter queue', async () => {
      dead.push(...(await drainQueue(channel, deadLetter)));
      return dead.length >= poison.length;
    });
    const after = Date.now();

    expect(received.map((event) => event.name)).toStrictEqual(['user.created']);
    expect(received[0]?.payload).toStrictEqual({ id: 'after-poison' });
    expect(received[0]?.meta.id).toBe(goodId);

    const caseOf = (message: GetMessage): unknown => message.properties.headers?.['test-case'];
    expect(dead.map(caseOf).sort()).toStrictEqual(poison.map(({ label }) => label).sort());
    for (const entry of poison) {
      const { label, routingKey, reason, options } = entry;
      const letter = dead.find((message) => caseOf(message) === label);
      if (!letter) throw new Error(`no dead letter for ${label}`);
      const headers = letter.properties.headers ?? {};
      expect({ label, reason: headers['remit-dead-reason'] }).toStrictEqual({ label, reason });
      // "the original message (same routing key, properties and body) ... persistent"
      expect(letter.fields.routingKey, label).toBe(routingKey);
      expect(letter.content.equals(bodyOf(entry)), label).toBe(true);
      expect(letter.properties.messageId || undefined, label).toBe(options.messageId || undefined);
      expect(letter.properties.type, label).toBe(options.type);
      expect(letter.properties.contentType, label).toBe('application/json');
      expect(letter.properties.deliveryMode, label).toBe(2);
      for (const [key, value] of Object.entries(options.headers)) expect(headers[key], `${label} ${key}`).toBe(value);
      expect(headers['remit-dead-queue'], label).toBe(`remit.instance.${service}.${bus.instanceId}`);
      expect(headers['remit-dead-by'], label).toBe(bus.instanceId);
      expect(headers['remit-dead-event'], label).toBe(options.type || routingKey || undefined);
      expect(headers['remit-dead-at'], label).toBeGreaterThanOrEqual(before);
      expect(headers['remit-dead-at'], label).toBeLessThanOrEqual(after);
      expect(typeof headers['remit-dead-error'], label).toBe('string');
      expect((headers['remit-dead-error'] as string).length, label).toBeGreaterThan(0);
      expect((headers['remit-dead-error'] as string).length, label).toBeLessThanOrEqual(1024);
    }
  });

  it('a raw message carrying the receiver\'s own remit-instance is ignored, a repeated messageId is handled once, and remit-version "1" as a string is accepted', async () => {
    const bus = remitBus(unique('interop-receiver'));
    const received: Received[] = [];
    record(bus, 'echo', received);
    record(bus, 'repeat', received);
    record(bus, 'string-version', received);
    await bus.start();

    const { connection } = await raw();
    const publisher = await rawPublisher(connection, exchange);
    // "A remit instance ignores broadcast copies carrying its own instance id"
    await rawPublish(publisher, exchange, 'echo', '{"n":1}', { messageId: randomUUID(), headers: { 'remit-instance': bus.instanceId } });
    // "A receiver remembers the last 10,000 messageIds per queue and drops repeats"
    const repeatedId = randomUUID();
    await rawPublish(publisher, exchange, 'repeat', '{"n":1}', { messageId: repeatedId });
    await rawPublish(publisher, exchange, 'repeat', '{"n":2}', { messageId: repeatedId });
    // "`1` (the string "1" is accepted)"
    await rawPublish(publisher, exchange, 'string-version', '{"n":3}', { messageId: randomUUID(), headers: { 'remit-version': '1' } });

    await waitFor('all four deliveries to be received and settled', () => {
      const stats = bus.stats();
      return stats.received >= 4 && received.some((event) => event.name === 'string-version');
    });
    await waitFor('the repeated event to be handled', () => received.some((event) => event.name === 'repeat'));

    expect(received.filter((event) => event.name === 'echo')).toHaveLength(0);
    const repeats = received.filter((event) => event.name === 'repeat');
    expect(repeats).toHaveLength(1);
    expect(repeats[0]?.payload).toStrictEqual({ n: 1 });
    expect(bus.stats().duplicates).toBe(1);
    expect(received.find((event) => event.name === 'string-version')?.payload).toStrictEqual({ n: 3 });
    expect(bus.stats().deadLettered).toBe(0);
  });
});
