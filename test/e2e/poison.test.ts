import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type FailureReport, Header } from '@remit/core';
import { drainQueue, rawChannel, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

interface Poison {
  reason: string;
  body: Buffer;
  headers?: Record<string, unknown>;
  messageId?: string | undefined;
}

const MAX_PAYLOAD = 4096;

const poisons: Poison[] = [
  { reason: 'invalid-json', body: Buffer.from('this is not JSON'), headers: { [Header.codec]: 'json' } },
  { reason: 'invalid-json', body: Buffer.from([0xff, 0xfe, 0x00]), headers: { [Header.codec]: 'superjson' } },
  { reason: 'wrong-shape', body: Buffer.from('42'), headers: { [Header.codec]: 'superjson' } },
  { reason: 'wrong-shape', body: Buffer.from('null'), headers: { [Header.codec]: 'superjson' } },
  { reason: 'wrong-shape', body: Buffer.from('{}'), headers: { [Header.codec]: 'superjson' } },
  { reason: 'unknown-codec', body: Buffer.from('{}'), headers: { [Header.codec]: 'msgpack' } },
  { reason: 'unsupported-version', body: Buffer.from('{}'), headers: { [Header.version]: 3 } },
  { reason: 'missing-id', body: Buffer.from('{}'), messageId: undefined },
  { reason: 'oversized', body: Buffer.from(JSON.stringify({ blob: 'x'.repeat(MAX_PAYLOAD) })), headers: { [Header.codec]: 'json' } },
  // Malformed headers: a codec name that is not a string.
  { reason: 'unknown-codec', body: Buffer.from('{}'), headers: { [Header.codec]: 42 } },
  { reason: 'unknown-codec', body: Buffer.from('{}'), headers: { [Header.codec]: { nested: 'table' } } },
  // A class tag nobody registered on this bus.
  {
    reason: 'invalid-superjson',
    body: Buffer.from('{"json":{"a":{"x":1}},"meta":{"values":{"a":[["class","Unregistered"]]}}}'),
    headers: { [Header.codec]: 'superjson' },
  },
];

describe('poison messages published with raw amqplib', () => {
  it('are dead-lettered with a reason, the process stays up, and the next good event is handled', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    const bus = topology.bus({ service: 'victim', maxPayloadBytes: MAX_PAYLOAD, onError: (f) => void failures.push(f) });
    const handled: unknown[] = [];
    bus.on('poisoned', (payload) => void handled.push(payload));
    bus.on('good', (payload) => void handled.push(payload));
    await bus.start();

    const raw = await rawChannel();
    try {
      for (const poison of poisons) {
        raw.channel.publish(topology.exchange, 'poisoned', poison.body, {
          ...('messageId' in poison ? {} : { messageId: randomUUID() }),
          type: 'poisoned',
          headers: poison.headers ?? {},
        });
      }
      raw.channel.publish(topology.exchange, 'good', Buffer.from('{"ok":true}'), { messageId: randomUUID(), type: 'good' });
      await waitFor('the good event', () => handled.length === 1);
      await waitFor('every poison in the dead-letter queue', async () => {
        return (await raw.channel.checkQueue(topology.deadLetter)).messageCount === poisons.length;
      });
      const dead = await drainQueue(raw.channel, topology.deadLetter);
      expect(dead.map((message) => message.properties.headers?.[Header.deadReason])).toEqual(
        poisons.map((poison) => poison.reason),
      );
      for (const message of dead) {
        expect(String(message.properties.headers?.[Header.deadError]).length).toBeGreaterThan(0);
        expect(message.properties.headers?.[Header.deadQueue]).toMatch(/^remit\.instance\.victim\./);
      }
    } finally {
      await raw.close();
    }
    expect(handled).toEqual([{ ok: true }]);
    expect(failures.filter((failure) => failure.kind === 'decode')).toHaveLength(poisons.length);
    expect(bus.stats()).toMatchObject({ deadLettered: poisons.length, handled: 1 });
    expect(bus.health().status).toBe('connected');
  });

  it('leaves Object.prototype unchanged after receiving {"__proto__": {"polluted": true}}', async () => {
    topology = new TestTopology();
    const bus = topology.bus({ service: 'victim' });
    const received: Record<string, unknown>[] = [];
    bus.on('evil', (payload) => void received.push(payload as Record<string, unknown>));
    await bus.start();
    const raw = await rawChannel();
    try {
      const bodies = [
        { codec: 'json', body: '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}' },
        {
          codec: 'superjson',
          body: '{"json":{"__proto__":{"polluted":true},"at":"2026-01-01T00:00:00.000Z"},"meta":{"values":{"at":["Date"]}}}',
        },
      ];
      for (const { codec, body } of bodies) {
        raw.channel.publish(topology.exchange, 'evil', Buffer.from(body), {
          messageId: randomUUID(),
          headers: { [Header.codec]: codec },
        });
      }
      await waitFor('both payloads', () => received.length === 2);
    } finally {
      await raw.close();
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    for (const payload of received) {
      expect(Object.getPrototypeOf(payload)).toBe(Object.prototype);
      expect(Object.getOwnPropertyDescriptor(payload, '__proto__')?.value).toEqual({ polluted: true });
    }
  });

  it('survives a payload nested 100,000 levels deep: handled or dead-lettered, never a crash', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    const bus = topology.bus({ service: 'victim', onError: (f) => void failures.push(f) });
    const deep: unknown[] = [];
    const good: unknown[] = [];
    bus.on('deep', (payload) => void deep.push(payload));
    bus.on('good', (payload) => void good.push(payload));
    await bus.start();
    const depth = 100_000;
    const body = `{"json":${'['.repeat(depth)}1${']'.repeat(depth)},"meta":{"values":{"${'0.'.repeat(depth - 1)}0":["Date"]}}}`;
    const raw = await rawChannel();
    try {
      raw.channel.publish(topology.exchange, 'deep', Buffer.from(body), {
        messageId: randomUUID(),
        headers: { [Header.codec]: 'superjson' },
      });
      raw.channel.publish(topology.exchange, 'good', Buffer.from('1'), { messageId: randomUUID() });
      await waitFor('the good event', () => good.length === 1);
    } finally {
      await raw.close();
    }
    // superjson walks iteratively, so today it is handled; a recursive decoder would throw and
    // the message would be dead-lettered. Either way the process keeps going.
    expect(deep.length + bus.stats().deadLettered).toBe(1);
    expect(failures.filter((failure) => failure.kind !== 'decode')).toEqual([]);
    expect(bus.health().status).toBe('connected');
  });
});
