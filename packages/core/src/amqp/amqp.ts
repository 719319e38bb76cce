import type { TransportFactory } from '../transport.js';
import { type AmqpOptions, DEFAULT_EXCHANGE, normalizeAmqpOptions } from './amqp-options.js';
import { AmqpTransport } from './amqp-transport.js';
import { guardHeaderDecoding } from './safe-headers.js';

/**
 * The RabbitMQ transport. Options are checked now, synchronously.
 *
 * @example
 * createBus({ service: 'billing', transport: amqp({ url: 'amqp://guest:guest@localhost:5672' }) });
 */
export function amqp(options: AmqpOptions): TransportFactory {
  const normalized = normalizeAmqpOptions(options);
  const guarded = guardHeaderDecoding();
  return {
    kind: 'amqp',
    // Group queues of a bus on another events exchange than the default carry that exchange's name.
    ...(normalized.exchange === DEFAULT_EXCHANGE ? {} : { namespace: normalized.exchange }),
    create: (context) => new AmqpTransport(normalized, context, guarded),
  };
}
