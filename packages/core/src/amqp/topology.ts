import type { Channel } from 'amqplib';
import type { QueueSpec } from '../transport.js';
import { DEFAULT_EXCHANGE, type NormalizedAmqpOptions } from './amqp-options.js';

/**
 * The name a queue is declared under. A group queue of a bus on another events exchange than the
 * default carries that exchange (`remit.group.<group>@<exchange>`), so two systems sharing a broker
 * never share a group queue by accident; on the default exchange it stays `remit.group.<group>`,
 * as existing deployments have it.
 */
export function namespaced(spec: QueueSpec, options: Pick<NormalizedAmqpOptions, 'exchange'>): QueueSpec {
  if (spec.kind !== 'group' || options.exchange === DEFAULT_EXCHANGE) return spec;
  return { ...spec, name: `${spec.name}@${options.exchange}` };
}

/** The event, request and presence exchanges, and the dead-letter exchange with its queue (docs/wire-format.md). */
export async function declareExchanges(channel: Channel, options: NormalizedAmqpOptions): Promise<void> {
  await channel.assertExchange(options.exchange, 'fanout', { durable: true });
  await channel.assertExchange(options.requestExchange, 'direct', { durable: true });
  await channel.assertExchange(options.presenceExchange, 'fanout', { durable: true });
  await channel.assertExchange(options.deadLetter, 'fanout', { durable: true });
  await channel.assertQueue(options.deadLetter, { durable: true });
  await channel.bindQueue(options.deadLetter, options.deadLetter, '');
}

/** Declares a bus queue and binds it: to the event exchange, or to the request or presence exchange. */
export async function declareQueue(channel: Channel, spec: QueueSpec, options: NormalizedAmqpOptions): Promise<void> {
  if (spec.kind === 'requests') {
    // Classic and durable, messages transient: a request is worthless once its asker stopped
    // waiting, and a reply cannot outlive the asker's connection anyway. Quorum replication would
    // only slow every request down.
    await channel.assertQueue(spec.name, { durable: true, arguments: { 'x-expires': spec.expiresMs } });
    for (const key of spec.routingKeys) await channel.bindQueue(spec.name, options.requestExchange, key);
    return;
  }
  if (spec.kind === 'presence') {
    await channel.assertQueue(spec.name, { exclusive: true, autoDelete: true, durable: false });
    await channel.bindQueue(spec.name, options.presenceExchange, '');
    return;
  }
  if (spec.kind === 'group') {
    await channel.assertQueue(spec.name, {
      durable: true,
      arguments: {
        'x-queue-type': 'quorum',
        // Without these, RabbitMQ 4 drops a message after 20 redeliveries and 3.x loops forever.
        'x-dead-letter-exchange': options.deadLetter,
        'x-delivery-limit': spec.deliveryLimit,
      },
    });
  } else if (spec.expiresMs === null) {
    await channel.assertQueue(spec.name, { exclusive: true, autoDelete: true, durable: false });
  } else {
    // Durable, not exclusive: RabbitMQ 4.3 refuses transient non-exclusive queues.
    await channel.assertQueue(spec.name, { durable: true, arguments: { 'x-expires': spec.expiresMs } });
  }
  await channel.bindQueue(spec.name, options.exchange, '');
}
