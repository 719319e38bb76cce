import type { GetMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { deadInfo } from '../src/dead-letter-view.js';
import { replayProperties } from '../src/dead-queue.js';
import { viewEvent } from '../src/event-view.js';

function message(body: string, properties: Record<string, unknown>, routingKey = 'user.created'): GetMessage {
  // Only the fields the CLI reads; amqplib's property type lists every AMQP property.
  return {
    content: Buffer.from(body),
    fields: { deliveryTag: 1, redelivered: false, exchange: 'remit.events', routingKey, messageCount: 0 },
    properties: properties as unknown as GetMessage['properties'],
  };
}

describe('viewEvent', () => {
  it('decodes a superjson body, keeping the plain JSON form for --json output', () => {
    const view = viewEvent(
      message('{"json":{"at":"2026-11-24T12:00:00.000Z"},"meta":{"values":{"at":["Date"]},"v":1}}', {
        type: 'user.created',
        messageId: 'm1',
        appId: 'billing',
        headers: { 'remit-codec': 'superjson', 'remit-instance': 'b-1', 'remit-published-at': 1795521600000, tenant: 'acme' },
      }),
    );

    expect(view).toMatchObject({ name: 'user.created', id: 'm1', service: 'billing', instance: 'b-1', headers: { tenant: 'acme' } });
    expect(view.payload).toEqual({ at: new Date('2026-11-24T12:00:00.000Z') });
    expect(view.json).toEqual({ at: '2026-11-24T12:00:00.000Z' });
    expect(view.publishedAt?.getTime()).toBe(1795521600000);
    expect(view.error).toBeUndefined();
  });

  it('reads the publish time of a wire format 2 event from its UUIDv7 id', () => {
    // The first 48 bits of the id are the time in milliseconds (the AMQP timestamp, 1 s, is not used).
    const view = viewEvent(message('{"n":1}', { type: 'tick', messageId: '019adf4e-1c00-7abc-8def-0123456789ab', timestamp: 1, headers: { 'remit-instance': 'i-1' } }));

    expect(view.publishedAt?.getTime()).toBe(0x019adf4e1c00);
    expect(view).toMatchObject({ codec: 'json', payload: { n: 1 }, instance: 'i-1' });
  });

  it('reads a message without remit headers as plain JSON named by its routing key', () => {
    const view = viewEvent(message('{"id":"u2"}', {}, 'legacy.event'));

    expect(view).toMatchObject({ name: 'legacy.event', id: null, codec: 'json', payload: { id: 'u2' } });
  });

  it('shows an undecodable body as text with the reason instead of failing', () => {
    const view = viewEvent(message('not json', { headers: { 'remit-codec': 'superjson' } }));

    expect(view).toMatchObject({ payload: 'not json', error: 'the body is not JSON' });
  });
});

describe('dead letters', () => {
  it('reads RabbitMQ x-death headers when remit did not write its own', () => {
    const info = deadInfo({
      'x-first-death-reason': 'delivery_limit',
      'x-first-death-queue': 'remit.group.mailer',
      'x-death': [{ count: 11, reason: 'rejected', queue: 'remit.group.mailer', time: { '!': 'timestamp', value: 1795521600 }, exchange: '', 'routing-keys': [] }],
    });

    expect(info).toMatchObject({ reason: 'delivery_limit', queue: 'remit.group.mailer', attempts: 11, by: 'rabbitmq' });
    expect(info.at?.getTime()).toBe(1795521600000);
  });

  it('replays with the original properties minus every dead-letter header and the user id', () => {
    const properties = replayProperties(
      message('{}', {
        type: 'user.created',
        messageId: 'm1',
        appId: 'api',
        deliveryMode: 2,
        userId: 'someone-else',
        headers: { 'remit-codec': 'json', 'remit-dead-reason': 'handler-failed', 'x-death': [], 'x-delivery-count': 3, tenant: 'acme' },
      }),
      { newId: false, keepName: false },
    );

    expect(properties).toEqual({
      type: 'user.created',
      messageId: 'm1',
      appId: 'api',
      deliveryMode: 2,
      mandatory: true,
      headers: { 'remit-codec': 'json', tenant: 'acme' },
    });
  });
});
