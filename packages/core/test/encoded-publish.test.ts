import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ClosedError, ConfigError, createBus, type EventMeta, memory, memoryBroker, PayloadTooLargeError, ValidationError } from '../src/index.js';
import { memoryBuses, sleep, until } from './memory-buses.js';

type Events = { 'order.placed': { id: string; at: Date; tags: Set<string> } };

const bus = memoryBuses<Events>();

describe('publish({ id }): the publisher chooses the event id', () => {
  it('sets meta.id on every receiver, and a second publish with the same id is dropped as a duplicate', async () => {
    const broker = memoryBroker();
    const sender = bus(broker, { service: 'orders' });
    const receiver = bus(broker, { service: 'billing' });
    const seen: EventMeta[] = [];
    receiver.on('order.placed', (_order, meta) => void seen.push(meta));
    await Promise.all([sender.start(), receiver.start()]);
    const order = { id: 'o-1', at: new Date(0), tags: new Set(['a']) };
    await sender.publish('order.placed', order, { id: 'outbox-row-1' });
    await sender.publish('order.placed', order, { id: 'outbox-row-1' });
    await until(() => receiver.stats().duplicates === 1, 'the resend to be dropped');
    expect(seen.map((meta) => meta.id)).toEqual(['outbox-row-1']);
  });

  it.each([
    ['an empty string', ''],
    ['a number', 42],
    ['over 255 bytes', 'é'.repeat(128)],
  ])('rejects an id that is %s with ConfigError naming "id"', async (_label, id) => {
    const sender = bus(memoryBroker());
    await sender.start();
    const error = await sender.publish('order.placed', { id: '1', at: new Date(), tags: new Set() }, { id: id as string }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).field).toBe('id');
  });
});

describe('encode() and publishEncoded(): check and encode now, send later', () => {
  it('a payload encoded by one bus is published by another with its types intact and the given id', async () => {
    const broker = memoryBroker();
    const writer = bus(broker, { service: 'orders' });
    const relay = bus(broker, { service: 'orders' });
    const receiver = bus(broker, { service: 'billing' });
    const seen: { order: Events['order.placed']; meta: EventMeta }[] = [];
    receiver.on('order.placed', (order, meta) => void seen.push({ order, meta }));
    await Promise.all([relay.start(), receiver.start()]);
    // The writer never starts: encoding needs no connection.
    const order = { id: 'o-2', at: new Date(1000), tags: new Set(['x', 'y']) };
    const event = await writer.encode('order.placed', order);
    expect(event).toEqual({ name: 'order.placed', codec: 'superjson', body: expect.any(Buffer) });
    await relay.publishEncoded(event, { id: 'row-2', headers: { tenant: 't1' } });
    await until(() => seen.length === 1, 'the event at the receiver');
    expect(seen[0]?.order).toEqual(order);
    expect(seen[0]?.meta).toMatchObject({ id: 'row-2', service: 'orders', headers: { tenant: 't1' } });
    expect(relay.stats()).toMatchObject({ published: 1, confirmed: 1 });
  });

  it('encode() rejects what publish() would: a payload failing its schema, an oversized one, bad options', async () => {
    const schemas = { 'user.created': z.object({ email: z.email() }) };
    const checked = createBus({ service: 'users', transport: memory(memoryBroker()), schemas, maxPayloadBytes: 64 });
    await expect(checked.encode('user.created', { email: 'not-an-email' })).rejects.toBeInstanceOf(ValidationError);
    await expect(checked.encode('user.created', { email: `${'a'.repeat(80)}@b.co` })).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(checked.encode('user.created', { email: 'a@b.co' }, { headers: { 'remit-x': 1 } })).rejects.toMatchObject({ field: 'headers.remit-x' });
    await expect(checked.encode('user.created', { email: 'a@b.co' }, { id: '' })).rejects.toMatchObject({ field: 'id' });
    await expect(checked.encode('user.created', { email: 'a@b.co' })).resolves.toMatchObject({ codec: 'json' });
    expect(checked.stats().published).toBe(0);
    await checked.close();
  });

  it('publishEncoded() refuses an unknown codec, a body that is not a Buffer or over the limit, and a closed bus', async () => {
    const relay = bus(memoryBroker(), { maxPayloadBytes: 16 });
    await relay.start();
    const event = { name: 'order.placed', codec: 'superjson', body: Buffer.from('{"json":1}') };
    await expect(relay.publishEncoded({ ...event, codec: 'msgpack' })).rejects.toMatchObject({ field: 'event.codec' });
    await expect(relay.publishEncoded({ ...event, body: 'text' as unknown as Buffer })).rejects.toMatchObject({ field: 'event.body' });
    await expect(relay.publishEncoded({ ...event, body: Buffer.alloc(17) })).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(relay.publishEncoded({ ...event, name: '' })).rejects.toMatchObject({ field: 'name' });
    await relay.publishEncoded(event);
    await relay.close();
    await sleep(0);
    await expect(relay.publishEncoded(event)).rejects.toBeInstanceOf(ClosedError);
  });
});
