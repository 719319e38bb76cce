import type { Channel } from 'amqplib';
import type { QueueSpec, WireMessage } from '../transport.js';
import { Header } from '../wire/headers.js';
import { ConfigError } from '../errors.js';
import type { NormalizedAmqpOptions } from './amqp-options.js';
import { bindForRetries, declareDelayQueue, declareRetryExchanges } from './delay-topology.js';

/**
 * The event, request and presence exchanges, the dead-letter exchange with its queue, and the
 * exchanges of delayed retries (docs/wire-format.md).
 */
export async function declareExchanges(channel: Channel, options: NormalizedAmqpOptions): Promise<void> {
  await channel.assertExchange(options.exchange, 'fanout', { durable: true });
  await channel.assertExchange(options.requestExchange, 'direct', { durable: true });
  await channel.assertExchange(options.presenceExchange, 'fanout', { durable: true });
  await channel.assertExchange(options.deadLetter, 'fanout', { durable: true });
  await channel.assertQueue(options.deadLetter, { durable: true });
  await channel.bindQueue(options.deadLetter, options.deadLetter, '');
  await declareRetryExchanges(channel, options);
}

/**
 * A queue the broker refused to declare because it exists with other arguments (RabbitMQ closes
 * the channel with 406 PRECONDITION_FAILED): for a group queue, a ConfigError saying what to do.
 */
function refusedDeclare(error: unknown, spec: Extract<QueueSpec, { kind: 'group' }>): unknown {
  const message = error instanceof Error ? error.message : '';
  const argument = /inequivalent arg '([^']+)'/.exec(message)?.[1];
  if (argument === undefined) return error;
  const ordered = argument === 'x-single-active-consumer';
  return new ConfigError(
    'group',
    `queue "${spec.name}" already exists with another ${argument}${ordered ? (spec.singleActiveConsumer ? ' (it was declared unordered; this bus has an orderBy handler for the group)' : ' (it was declared ordered, for orderBy; this bus has none for the group)') : ''}. ` +
      'Its arguments cannot change: let it drain and delete it (rabbitmqctl delete_queue), or use another group name.',
    { cause: error },
  );
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
    const groupArguments: Record<string, unknown> = {
      'x-queue-type': 'quorum',
      // Without these, RabbitMQ 4 drops a message after 20 redeliveries and 3.x loops forever.
      'x-dead-letter-exchange': options.deadLetter,
      'x-delivery-limit': spec.deliveryLimit,
    };
    // Absent rather than false for an unordered group: false and absent are different arguments to RabbitMQ.
    if (spec.singleActiveConsumer) groupArguments['x-single-active-consumer'] = true;
    await channel.assertQueue(spec.name, { durable: true, arguments: groupArguments }).catch((error: unknown) => {
      throw refusedDeclare(error, spec);
    });
  } else if (spec.expiresMs === null) {
    // Exclusive, so it goes with the connection; not auto-delete, so a circuit breaker that cancels
    // its consumer for a while does not delete it.
    await channel.assertQueue(spec.name, { exclusive: true, autoDelete: false, durable: false });
  } else {
    // Durable, not exclusive: RabbitMQ 4.3 refuses transient non-exclusive queues.
    await channel.assertQueue(spec.name, { durable: true, arguments: { 'x-expires': spec.expiresMs } });
  }
  await channel.bindQueue(spec.name, options.exchange, '');
  await bindForRetries(channel, spec.name, options);
}

/** Declares again the queue a dead letter or a delayed retry was returned from (someone deleted it). */
export function declareMissing(channel: Channel, target: 'dead' | 'delay', message: WireMessage, options: NormalizedAmqpOptions): Promise<void> {
  const delayMs = Number(message.properties.headers[Header.delay]);
  if (target === 'delay' && Number.isInteger(delayMs) && delayMs > 0) return declareDelayQueue(channel, delayMs, options);
  return declareExchanges(channel, options);
}
