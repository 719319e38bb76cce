import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type FailureReport, Header, ValidationError, WIRE_VERSION } from '@remit/core';
import { drainQueue, queueInfo, rawChannel, waitFor, withRawChannel } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

/** A message exactly as docs/wire-format.md describes a plain-JSON event, as another language would send it. */
function rawEvent(name: string, payload: unknown) {
  return {
    body: Buffer.from(JSON.stringify(payload)),
    options: {
      messageId: randomUUID(),
      type: name,
      appId: 'legacy-php',
      timestamp: Math.floor(Date.now() / 1000),
      contentType: 'application/json',
      deliveryMode: 2,
      headers: { [Header.version]: WIRE_VERSION, [Header.codec]: 'json', [Header.instance]: 'php-1' },
    },
  };
}

interface IssueEntry {
  path: string;
  message: string;
}

describe('schemas against RabbitMQ', () => {
  it('dead-letters a raw amqplib event whose payload fails the zod schema, from the broadcast and the group queue, and handles the valid one after it', async () => {
    topology = new TestTopology();
    const group = topology.group('signup');
    const failures: FailureReport[] = [];
    const schemas = { 'user.created': z.object({ id: z.string(), email: z.email(), age: z.number().int().min(18) }) };
    const consumer = topology.bus({ service: 'signup', schemas, onError: (failure) => void failures.push(failure) });
    const broadcastSeen: unknown[] = [];
    const groupSeen: unknown[] = [];
    consumer.on('user.created', (user) => void broadcastSeen.push(user));
    consumer.on('user.created', (user) => void groupSeen.push(user), { group });
    await consumer.start();

    const invalid = rawEvent('user.created', { id: 'u1', email: 'not-an-email', age: 12 });
    const valid = rawEvent('user.created', { id: 'u2', email: 'u2@example.com', age: 30 });
    const raw = await rawChannel();
    try {
      raw.channel.publish(topology.exchange, 'user.created', invalid.body, invalid.options);
      raw.channel.publish(topology.exchange, 'user.created', valid.body, valid.options);
      await waitFor('the valid event in both queues', () => broadcastSeen.length === 1 && groupSeen.length === 1);
      await waitFor('two dead letters', async () => (await queueInfo(topology.deadLetter)).messageCount === 2);
    } finally {
      await raw.close();
    }

    const valid2 = { id: 'u2', email: 'u2@example.com', age: 30 };
    expect(broadcastSeen).toEqual([valid2]);
    expect(groupSeen).toEqual([valid2]);
    const dead = await withRawChannel((channel) => drainQueue(channel, topology.deadLetter));
    expect(dead.map((message) => message.properties.headers?.[Header.deadQueue]).sort()).toEqual(
      [topology.groupQueue(group), `remit.instance.signup.${consumer.instanceId}`].sort(),
    );
    for (const message of dead) {
      const headers = message.properties.headers ?? {};
      expect(message.properties.messageId).toBe(invalid.options.messageId);
      expect(message.content.toString()).toBe(invalid.body.toString());
      expect(headers[Header.deadReason]).toBe('validation-failed');
      expect(headers[Header.deadEvent]).toBe('user.created');
      expect(String(headers[Header.deadError])).toContain('email: Invalid email address');
      const issues = JSON.parse(String(headers[Header.deadIssues])) as IssueEntry[];
      expect(issues.map((issue) => issue.path)).toEqual(['email', 'age']);
      expect(issues[1]?.message).toContain('18');
    }
    expect(failures).toHaveLength(2);
    expect(failures.every((failure) => failure.kind === 'validation' && failure.error instanceof ValidationError)).toBe(true);
    expect(consumer.stats()).toMatchObject({ deadLettered: 2, failed: 0, retried: 0 });
  });

  it('with valibot: a bus with the schema refuses to send an invalid event; a bus without it sends one that the receiver dead-letters', async () => {
    topology = new TestTopology();
    const schemas = { 'order.placed': v.object({ id: v.string(), items: v.pipe(v.array(v.string()), v.minLength(1)) }) };
    const strict = topology.bus({ service: 'shop', schemas });
    const legacy = topology.bus({ service: 'legacy' });
    const consumer = topology.bus({ service: 'billing', schemas });
    const seen: unknown[] = [];
    consumer.on('order.placed', (order) => void seen.push(order));
    await Promise.all([strict.start(), legacy.start(), consumer.start()]);

    const refused = await strict.publish('order.placed', { id: 'o1', items: [] }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).message).toContain('items: Invalid length');
    await legacy.publish('order.placed', { id: 'o2', items: [7] });
    await strict.publish('order.placed', { id: 'o3', items: ['book'] });

    await waitFor('the valid order', () => seen.length === 1);
    await waitFor('one dead letter', async () => (await queueInfo(topology.deadLetter)).messageCount === 1);
    expect(seen).toEqual([{ id: 'o3', items: ['book'] }]);
    const [dead] = await withRawChannel((channel) => drainQueue(channel, topology.deadLetter));
    expect(dead?.properties.appId).toBe('legacy');
    expect(dead?.properties.headers?.[Header.deadReason]).toBe('validation-failed');
    expect(JSON.parse(String(dead?.properties.headers?.[Header.deadIssues]))).toEqual([
      { path: 'items[0]', message: 'Invalid type: Expected string but received 7' },
    ]);
    // The refused event never left: only o2 and o3 were published.
    expect(strict.stats().published).toBe(1);
  });
});
