import { ClosedError } from '../errors.js';
import { type Delivery, type PublishRequest, type QueueSpec, REPLY_TO, type SendTarget, type Transport, type TransportFactory, type TransportHooks, type WireMessage } from '../transport.js';
import { MemoryBroker, type MemoryConsumer } from './memory-broker.js';

// One broker per process for `memory()` without an argument: buses in one process meet there,
// as they would on one RabbitMQ.
let processBroker: MemoryBroker | undefined;

class MemoryTransport implements Transport {
  /** The memory broker's event exchange is a fanout; handlers for patterns filter on the bus (handler-registry.ts). */
  readonly routing = 'fanout';
  readonly #broker: MemoryBroker;
  readonly #cancels = new Set<() => void>();
  /** Deliveries handed out and not settled; requeued on close, as a closing channel would. */
  readonly #unsettled = new Set<() => void>();
  /** This transport's direct reply-to address, like the one RabbitMQ gives each channel. */
  readonly #reply: { address: string; remove(): void };
  #closed = false;
  #started = false;
  #hooks: TransportHooks | null = null;

  constructor(broker: MemoryBroker) {
    this.#broker = broker;
    this.#reply = broker.replyAddress((message) => this.#hooks?.onReply(message));
  }

  async start(hooks: TransportHooks): Promise<void> {
    if (this.#closed) throw new ClosedError('The memory transport');
    this.#hooks = hooks;
    this.#started = true;
    hooks.onStatus('connected');
  }

  async publish(request: PublishRequest): Promise<void> {
    if (this.#closed) throw new ClosedError('The memory transport');
    if (this.#broker.publish(request.target, request.message, request.delayMs) === 0) this.#hooks?.onReturn(request.message, request.target);
  }

  send(message: WireMessage, target: SendTarget): boolean {
    if (this.#closed || !this.#started) return false;
    // The broker gives each channel its own reply address; this transport's is fixed.
    const sent = message.properties.replyTo === REPLY_TO ? { ...message, properties: { ...message.properties, replyTo: this.#reply.address } } : message;
    if (this.#broker.publish(target, sent) === 0) {
      // Returned later, as a network broker would, never inside send().
      setImmediate(() => this.#hooks?.onReturn(message, target));
    }
    return true;
  }

  async bind(queue: string, routingKey: string): Promise<void> {
    if (this.#closed) throw new ClosedError('The memory transport');
    this.#broker.bind(queue, routingKey);
  }

  async consume(queue: QueueSpec, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<() => Promise<void>> {
    if (this.#closed) throw new ClosedError('The memory transport');
    this.#broker.declare(queue);
    let active = true;
    const consumer: MemoryConsumer = {
      prefetch,
      unacked: 0,
      deliver: (entry, settle) => {
        if (!active) {
          settle('requeue');
          return;
        }
        const requeue = () => settle('requeue');
        this.#unsettled.add(requeue);
        const finish = (outcome: 'ack' | 'requeue') => {
          this.#unsettled.delete(requeue);
          settle(outcome);
        };
        onDelivery({
          message: entry.message,
          queue: queue.name,
          redelivered: entry.redelivered,
          ack: () => finish('ack'),
          requeue: () => finish('requeue'),
        });
      },
    };
    const remove = this.#broker.consume(queue.name, consumer);
    const cancel = () => {
      active = false;
      remove();
    };
    this.#cancels.add(cancel);
    return async () => {
      this.#cancels.delete(cancel);
      cancel();
    };
  }

  pending(): number {
    return 0;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#reply.remove();
    for (const cancel of this.#cancels) cancel();
    this.#cancels.clear();
    // Newest first: each requeue goes to the head of its queue, so the oldest ends up first, as it was.
    for (const requeue of [...this.#unsettled].reverse()) requeue();
  }
}

/**
 * The in-process transport: same semantics as RabbitMQ (broadcast, groups, codec round trip, dead
 * letters) inside one process. For tests, demos and single-process apps.
 *
 * @example
 * const broker = memoryBroker();
 * const a = createBus({ service: 'a', transport: memory(broker) });
 * const b = createBus({ service: 'b', transport: memory(broker) });
 */
export function memory(broker?: MemoryBroker): TransportFactory {
  return {
    kind: 'memory',
    create: () => new MemoryTransport(broker ?? (processBroker ??= new MemoryBroker())),
  };
}
