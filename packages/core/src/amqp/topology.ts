import type { Channel } from 'amqplib';
import type { QueueSpec } from '../transport.js';
import { ConfigError } from '../errors.js';
import type { NormalizedAmqpOptions } from './amqp-options.js';
import { bindForRetries, declareRetryExchanges } from './delay-topology.js';

/**
 * The event (fanout or topic), request, presence and dead-letter exchanges, and the exchanges of
 * delayed retries (docs/wire-format.md).
 */
export async function declareExchanges(channel: Channel, options: NormalizedAmqpOptions): Promise<void> {
  await channel.assertExchange(options.exchange, options.routing, { durable: true });
  await channel.assertExchange(options.requestExchange, 'direct', { durable: true });
  await channel.assertExchange(options.presenceExchange, 'fanout', { durable: true });
  await channel.assertExchange(options.deadLetter, 'fanout', { durable: true });
  await declareRetryExchanges(channel, options);
}

/**
 * The dead-letter queue's delivery limit, never reached: RabbitMQ 4.0–4.2 count every return of a
 * message toward a quorum queue's limit (default 20) and drop it past the limit, and `remit dead
 * list` browses by reading and returning what it read.
 */
const DEAD_LETTER_DELIVERY_LIMIT = 1_000_000;

/**
 * The dead-letter queue, bound to its exchange: quorum (docs/scaling.md). `asIs`: a queue of this
 * name exists with another type (a classic one from an older deployment) and is used as it is.
 */
export async function declareDeadLetterQueue(channel: Channel, options: NormalizedAmqpOptions, asIs = false): Promise<void> {
  await assertShared(channel, options.deadLetter, { 'x-delivery-limit': DEAD_LETTER_DELIVERY_LIMIT }, asIs);
  await channel.bindQueue(options.deadLetter, options.deadLetter, '');
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

/**
 * A durable queue that instances share, declared as a quorum queue so that it survives the loss of
 * any one node of a cluster (a classic queue is gone, and cannot even be declared, while its one
 * node is down). `asIs`: one of this name already exists with another type; it is checked, not
 * declared, and used as it is.
 */
async function assertShared(channel: Channel, name: string, args: Record<string, unknown>, asIs: boolean): Promise<void> {
  if (asIs) await channel.checkQueue(name);
  else await channel.assertQueue(name, { durable: true, arguments: { 'x-queue-type': 'quorum', ...args } });
}

/** How a queue is declared beyond its spec: as it exists, and the routing keys it is bound with. */
export interface DeclareHow {
  /** Use an existing queue of another type as it is (see assertShared). @default false */
  asIs?: boolean;
  /** Event routing keys of a broadcast or group queue (topic routing). @default [''] (fanout) */
  keys?: readonly string[];
}

/** Declares a bus queue and binds it: to the event exchange, or to the request or presence exchange. */
export async function declareQueue(channel: Channel, spec: QueueSpec, options: NormalizedAmqpOptions, how: DeclareHow = {}): Promise<void> {
  const asIs = how.asIs === true;
  if (spec.kind === 'requests') {
    // Quorum by default, so that requests keep waiting while a node is down (docs/scaling.md
    // measures what it costs); classic when asked for. Messages stay transient: a request is
    // worthless once its asker stopped waiting.
    if (options.requestQueueType === 'quorum' || asIs) await assertShared(channel, spec.name, { 'x-expires': spec.expiresMs }, asIs);
    else await channel.assertQueue(spec.name, { durable: true, arguments: { 'x-expires': spec.expiresMs } });
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
    // Durable, not exclusive: RabbitMQ 4.3 refuses transient non-exclusive queues. Quorum, so a
    // stable instance keeps its queue (and catches up) when a node dies; dead-lettering like a group
    // queue's, for the same reason.
    await assertShared(
      channel,
      spec.name,
      { 'x-expires': spec.expiresMs, 'x-dead-letter-exchange': options.deadLetter, 'x-delivery-limit': spec.deliveryLimit },
      asIs,
    );
  }
  for (const key of how.keys ?? ['']) await channel.bindQueue(spec.name, options.exchange, key);
  await bindForRetries(channel, spec.name, options);
}
