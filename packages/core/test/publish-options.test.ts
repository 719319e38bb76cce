import { describe, expect, it } from 'vitest';
import { toPublishOptions } from '../src/amqp/message-properties.js';
import type { WireMessage } from '../src/transport.js';

const message = (headers: Record<string, unknown>): WireMessage => ({ routingKey: 'e', body: Buffer.from('{}'), properties: { messageId: 'm', headers } });

describe('toPublishOptions: the header table handed to amqplib', () => {
  it('is one frozen object while the headers stay the same, and a new one as soon as they differ', () => {
    const first = toPublishOptions(message({ 'remit-instance': 'i-1' })).headers;
    const again = toPublishOptions(message({ 'remit-instance': 'i-1' })).headers;
    expect(again).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    const traced = toPublishOptions(message({ 'remit-instance': 'i-1', traceparent: '00-abc' })).headers;
    expect(traced).toStrictEqual({ 'remit-instance': 'i-1', traceparent: '00-abc' });
    // Fewer keys than the last table, every one of them equal: still a different table.
    expect(toPublishOptions(message({ 'remit-instance': 'i-1' })).headers).toStrictEqual({ 'remit-instance': 'i-1' });
    expect(toPublishOptions(message({ 'remit-instance': 'i-2' })).headers).toStrictEqual({ 'remit-instance': 'i-2' });
    expect(toPublishOptions(message({})).headers).toStrictEqual({});
  });

  it('is a copy: changing the message afterwards changes nothing that was sent', () => {
    const headers: Record<string, unknown> = { 'remit-instance': 'i-3', tenant: 'acme' };
    const sent = toPublishOptions(message(headers)).headers;
    headers.tenant = 'other';
    expect(sent).toStrictEqual({ 'remit-instance': 'i-3', tenant: 'acme' });
    expect(toPublishOptions(message(headers)).headers).toStrictEqual({ 'remit-instance': 'i-3', tenant: 'other' });
  });
});
