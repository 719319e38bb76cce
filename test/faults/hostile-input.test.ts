import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { type FailureReport, Header, RemitError } from '@remit/core';
import { drainQueue, rawChannel, unique, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { nestedArrays, nestedTables, publishWithRawHeaders } from '../helpers/raw-frames.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

/** One crafted message: how it is sent, and the dead-letter reason each queue that receives it gives. */
interface Attack {
  label: string;
  send(channel: import('amqplib').Channel, exchange: string): void;
  /** Dead-letter reasons, one per queue that dead-letters it (broadcast and group). */
  reasons: string[];
}

const id = () => randomUUID();
const superjsonBody = (text: string) => Buffer.from(text);

const attacks: Attack[] = [
  {
    // amqplib's recursive decoder overflows at ~3,600 levels: without the guard the connection
    // died on every delivery and the message came back forever.
    label: 'a header table nested 5,000 deep (35 KB)',
    send: (channel, exchange) =>
      publishWithRawHeaders(channel, exchange, 'hostile', nestedTables(5000), Buffer.from('{"json":1}'), { messageId: id(), type: 'hostile' }),
    reasons: ['unreadable-headers', 'unreadable-headers'],
  },
  {
    label: 'header arrays nested 8,000 deep',
    send: (channel, exchange) =>
      publishWithRawHeaders(channel, exchange, 'hostile', nestedArrays(8000), Buffer.from('{"json":1}'), { messageId: id(), type: 'hostile' }),
    reasons: ['unreadable-headers', 'unreadable-headers'],
  },
  {
    label: 'a header table nested 40 deep (amqplib decodes it; remit refuses past 32)',
    send: (channel, exchange) =>
      publishWithRawHeaders(channel, exchange, 'hostile', nestedTables(40), Buffer.from('{"json":1}'), { messageId: id(), type: 'hostile' }),
    reasons: ['unreadable-headers', 'unreadable-headers'],
  },
  {
    // 86 bytes that superjson would turn into a 4 GB Float64Array: a typed array must come from an array.
    label: 'an 86-byte superjson body asking for a 4 GB typed array',
    send: (channel, exchange) =>
      channel.publish(exchange, 'hostile', superjsonBody('{"json":{"length":500000000},"meta":{"values":[["typed-array","Float64Array"]],"v":1}}'), {
        messageId: id(),
        type: 'hostile',
        headers: { [Header.codec]: 'superjson' },
      }),
    reasons: ['invalid-superjson', 'invalid-superjson'],
  },
  {
    // A 600 KB body (under maxPayloadBytes) that decodes to a 2.4 MB Float64Array (over it).
    label: 'a 600 KB body whose typed array decodes to 2.4 MB',
    send: (channel, exchange) =>
      channel.publish(
        exchange,
        'hostile',
        superjsonBody(`{"json":[${new Array(300_000).fill(0).join(',')}],"meta":{"values":[["typed-array","Float64Array"]],"v":1}}`),
        { messageId: id(), type: 'hostile', headers: { [Header.codec]: 'superjson' } },
      ),
    reasons: ['oversized', 'oversized'],
  },
  {
    label: 'a remit-to-service header that is a number',
    send: (channel, exchange) =>
      channel.publish(exchange, 'good', Buffer.from('{"json":{"n":-1}}'), {
        messageId: id(),
        type: 'good',
        headers: { [Header.codec]: 'superjson', [Header.toService]: 42 },
      }),
    reasons: ['invalid-destination', 'invalid-destination'],
  },
  {
    label: 'a remit-to-instance header that is a table',
    send: (channel, exchange) =>
      channel.publish(exchange, 'good', Buffer.from('{"json":{"n":-2}}'), {
        messageId: id(),
        type: 'good',
        headers: { [Header.codec]: 'superjson', [Header.toInstance]: { nested: 'table' } },
      }),
    reasons: ['invalid-destination', 'invalid-destination'],
  },
  {
    // With remit's dead-letter headers added, its headers no longer fit amqplib's 64 KiB encoder:
    // the dead letter used to be retried every 50 ms at the head of the outbox, holding up every
    // other publish of the bus. Only the broadcast handler fails it; the group has no handler for it.
    label: 'an event with 63 KB of headers whose handler fails',
    send: (channel, exchange) =>
      channel.publish(exchange, 'explodes', Buffer.from('{"json":{}}'), {
        messageId: id(),
        type: 'explodes',
        headers: { [Header.codec]: 'superjson', filler: 'x'.repeat(63 * 1024) },
      }),
    reasons: ['handler-failed'],
  },
];

describe('hostile input, published with raw amqplib between good events', () => {
  it('dead-letters every crafted message with a reason, loses no good event, never reconnects, and keeps publishes flowing', async () => {
    topology = new TestTopology();
    const failures: FailureReport[] = [];
    // A stable instance id: its broadcast queue is durable, so a poison that wedged the bus would stay there for good.
    const instanceId = unique('victim');
    topology.track(`remit.instance.victim.${instanceId}`);
    const victim = topology.bus<{ good: { n: number }; explodes: object }>({
      service: 'victim',
      instanceId,
      retry: { attempts: 1 },
      onError: (f) => void failures.push(f),
    });
    const group = topology.group('victims');
    const broadcastGood: number[] = [];
    const groupGood: number[] = [];
    victim.on('good', ({ n }) => void broadcastGood.push(n));
    victim.on('good', ({ n }) => void groupGood.push(n), { group });
    victim.on('explodes', () => {
      throw new Error('the downstream service is down');
    });
    const sender = topology.bus({ service: 'sender' });
    await victim.start();
    await sender.start();

    const raw = await rawChannel();
    const goodCount = 80;
    const latencies: number[] = [];
    try {
      for (let n = 0; n < goodCount; n++) {
        const started = performance.now();
        await sender.publish('good', { n });
        latencies.push(performance.now() - started);
        // A crafted message after every tenth good event.
        if (n % 10 === 5) attacks[Math.floor(n / 10)]?.send(raw.channel, topology.exchange);
      }
      const expectedDead = attacks.reduce((sum, attack) => sum + attack.reasons.length, 0);
      await waitFor('every good event, on both queues', () => broadcastGood.length === goodCount && groupGood.length === goodCount, 20_000);
      await waitFor(
        'every dead letter',
        async () => (await raw.channel.checkQueue(topology.deadLetter)).messageCount === expectedDead,
        20_000,
      );
      const dead = await drainQueue(raw.channel, topology.deadLetter);
      const reasons = dead.map((message) => String(message.properties.headers?.[Header.deadReason])).sort();
      expect(reasons).toEqual(attacks.flatMap((attack) => attack.reasons).sort());
      for (const message of dead) {
        const headers = message.properties.headers ?? {};
        if (headers[Header.deadReason] === 'unreadable-headers' || headers[Header.deadReason] === 'handler-failed') {
          // Unreadable headers, or too large to send again: left out, and the dead letter says so.
          expect(headers[Header.deadHeadersDropped]).toBe(true);
        }
        expect(String(headers[Header.deadError]).length).toBeGreaterThan(0);
      }
      const sorted = [...latencies].sort((a, b) => a - b);
      console.log(
        `[fault] hostile input: ${attacks.length} crafted messages among ${goodCount} good events; good handled ` +
          `${broadcastGood.length}/${goodCount} broadcast and ${groupGood.length}/${goodCount} group, lost 0; ` +
          `${dead.length} dead letters; reconnects ${victim.stats().reconnects}; publish latency of the good events ` +
          `p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, max ${sorted.at(-1)?.toFixed(1)} ms`,
      );
    } finally {
      await raw.close();
    }
    expect([...broadcastGood].sort((a, b) => a - b)).toEqual(Array.from({ length: goodCount }, (_, n) => n));
    expect([...groupGood].sort((a, b) => a - b)).toEqual(Array.from({ length: goodCount }, (_, n) => n));
    expect(victim.stats().reconnects).toBe(0);
    expect(victim.health().status).toBe('connected');
    expect(failures.filter((failure) => failure.kind === 'transport' || failure.kind === 'dead-letter')).toEqual([]);
  });

  it('rejects a publish whose headers amqplib cannot encode at once, and the next publish goes through', async () => {
    topology = new TestTopology();
    const sender = topology.bus({ service: 'sender', publishTimeoutMs: 20_000 });
    const heard: string[] = [];
    sender.on('after', () => void heard.push('after'));
    await sender.start();
    const started = performance.now();
    const refused = await sender.publish('huge', {}, { headers: { blob: 'x'.repeat(70 * 1024) } }).catch((error: unknown) => error);
    const refusedAfter = performance.now() - started;
    expect(refused).toBeInstanceOf(RemitError);
    expect(String((refused as Error).message)).toContain('could not be encoded');
    const next = performance.now();
    await sender.publish('after', {});
    const nextAfter = performance.now() - next;
    await waitFor('the next event', () => heard.length === 1);
    console.log(`[fault] unencodable headers: rejected after ${refusedAfter.toFixed(1)} ms; the next publish confirmed after ${nextAfter.toFixed(1)} ms`);
  });
});
