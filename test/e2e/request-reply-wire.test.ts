/**
 * Proves that docs/wire-format.md ("Requests and replies", "Presence and acks") is enough for a
 * foreign client: the raw side uses amqplib and only the rules written there.
 */
import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { RemoteError } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FullTopology } from '../fixtures/full-topology.js';
import { rawChannel, waitFor } from '../helpers/broker.js';

type Requests = { 'stock.count': { request: { sku: string }; response: { sku: string; count: number } } };
type Events = { 'cache.flush': { keys: string[] } };

let topology: FullTopology;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  await topology.cleanup();
});

async function raw() {
  const connection = await rawChannel();
  closers.push(connection.close);
  return connection;
}

describe('request/reply and presence, spoken by a foreign AMQP client', () => {
  it('a raw client asks a remit handler and reads the reply', async () => {
    topology = new FullTopology();
    const service = topology.service('stock');
    const responder = topology.bus<Events, Requests>({ service, codec: 'json' });
    responder.handle('stock.count', ({ sku }) => ({ sku, count: 12 }));
    await responder.start();
    const { channel } = await raw();
    const replies: ConsumeMessage[] = [];
    await channel.consume('amq.rabbitmq.reply-to', (message) => void (message && replies.push(message)), { noAck: true });
    const correlationId = randomUUID();
    channel.publish(topology.names.requestExchange, 'stock.count', Buffer.from(JSON.stringify({ sku: 'A-1' })), {
      messageId: randomUUID(),
      correlationId,
      replyTo: 'amq.rabbitmq.reply-to',
      expiration: '5000',
      headers: { 'remit-codec': 'json' },
    });
    await waitFor('the reply', () => replies.length === 1);
    const [reply] = replies;
    expect(reply?.properties.correlationId).toBe(correlationId);
    expect(reply?.properties.headers).toMatchObject({ 'remit-status': 'ok', 'remit-codec': 'json' });
    expect(JSON.parse(String(reply?.content))).toEqual({ sku: 'A-1', count: 12 });
  });

  it('a remit bus asks a raw responder, which answers ok or error', async () => {
    topology = new FullTopology();
    const service = topology.service('legacy');
    const { channel } = await raw();
    const queue = `remit.requests.${service}`;
    await channel.assertExchange(topology.names.requestExchange, 'direct', { durable: true });
    await channel.assertQueue(queue, { durable: true, arguments: { 'x-expires': 60_000 } });
    await channel.bindQueue(queue, topology.names.requestExchange, 'stock.count');
    await channel.consume(queue, (message) => {
      if (!message) return;
      // The asker uses the default codec; a plain JSON payload goes as plain JSON, without remit-codec.
      const { sku } = JSON.parse(message.content.toString()) as { sku: string };
      expect(message.properties.headers?.['remit-codec']).toBeUndefined();
      const ok = sku !== 'none';
      const reply = ok ? { sku, count: 3 } : { name: 'LookupError', message: `unknown sku ${sku}`, code: 'E_SKU' };
      channel.publish('', message.properties.replyTo as string, Buffer.from(JSON.stringify(reply)), {
        correlationId: message.properties.correlationId as string,
        appId: 'legacy',
        headers: { 'remit-status': ok ? 'ok' : 'error', 'remit-codec': 'json', 'remit-instance': 'legacy-1' },
      });
      channel.ack(message);
    });
    const asker = topology.bus<Events, Requests>({ service: 'shop' });
    await asker.start();
    await expect(asker.request('stock.count', { sku: 'B-2' })).resolves.toEqual({ sku: 'B-2', count: 3 });
    const error = await asker.request('stock.count', { sku: 'none' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({ remoteName: 'LookupError', remoteMessage: 'unknown sku none', remoteCode: 'E_SKU', remoteInstance: 'legacy-1' });
  });

  it('a raw client announces itself, is listed by instances(), and acks an event', async () => {
    topology = new FullTopology();
    const bus = topology.bus<Events, Requests>({ service: 'admin' });
    await bus.start();
    const { channel } = await raw();
    // Its own presence queue, for acks and answers to its announce.
    const { queue } = await channel.assertQueue(`remit.presence.legacy.php-1.${randomUUID().slice(0, 8)}`, { exclusive: true, autoDelete: true });
    await channel.bindQueue(queue, topology.names.presenceExchange, '');
    const announced: ConsumeMessage[] = [];
    await channel.consume(queue, (message) => void (message && announced.push(message)), { noAck: true });
    const me = { service: 'legacy', instance: 'php-1', startedAt: Date.now(), version: '7.4', heartbeatIntervalMs: 5000 };
    channel.publish(topology.names.presenceExchange, '', Buffer.from(JSON.stringify(me)), {
      type: 'remit.announce',
      messageId: randomUUID(),
      appId: 'legacy',
      replyTo: queue,
      headers: { 'remit-instance': 'php-1', 'remit-codec': 'json' },
    });
    // Its own announce comes back through the fanout too; the answer is the one from the bus.
    const answer = () => announced.find((message) => message.properties.headers?.['remit-instance'] === bus.instanceId);
    await waitFor('the answer to the announce', () => answer() !== undefined);
    expect(answer()?.properties.type).toBe('remit.announce');
    expect(JSON.parse(String(answer()?.content))).toMatchObject({ service: 'admin', instance: bus.instanceId, heartbeatIntervalMs: 5000 });
    expect((await bus.instances()).find((entry) => entry.instance === 'php-1')).toMatchObject({ service: 'legacy', version: '7.4' });

    // The raw client receives events on its own queue and acks the ones that ask for it.
    const { queue: events } = await channel.assertQueue('', { exclusive: true });
    await channel.bindQueue(events, topology.names.exchange, '');
    await channel.consume(events, (message) => {
      if (!message) return;
      const ackTo = message.properties.headers?.['remit-ack-to'];
      if (typeof ackTo === 'string') {
        channel.publish('', ackTo, Buffer.from('{"status":"handled"}'), {
          type: 'remit.ack',
          correlationId: message.properties.messageId as string,
          appId: 'legacy',
          headers: { 'remit-instance': 'php-1', 'remit-codec': 'json' },
        });
      }
      channel.ack(message);
    });
    const report = await bus.publish('cache.flush', { keys: ['a'] }, { ack: true, timeoutMs: 5000 });
    expect(report.acked).toContainEqual({ service: 'legacy', instance: 'php-1' });
    expect(report.missing).toEqual([]);
  });
});
