import { type PublishTarget, type QueueSpec, REPLY_TO, type SendTarget, type WireMessage } from '../transport.js';

interface QueuedMessage {
  message: WireMessage;
  redelivered: boolean;
  /** From the message's `expiration`: past this time it is discarded instead of delivered. */
  expiresAt: number | null;
  /** How many times this message was handed to a consumer, like a quorum queue's x-delivery-count. */
  deliveries: number;
}

export interface MemoryConsumer {
  readonly prefetch: number;
  unacked: number;
  deliver(entry: QueuedMessage, settle: (outcome: 'ack' | 'requeue') => void): void;
}

interface MemoryQueue {
  spec: QueueSpec | { kind: 'dead'; name: string };
  /** Routing keys bound to the request exchange (request queues only). */
  keys: Set<string>;
  messages: QueuedMessage[];
  consumers: MemoryConsumer[];
  nextConsumer: number;
  expiryTimer: NodeJS.Timeout | null;
}

const DEAD_QUEUE = 'remit.dead';

function copy(message: WireMessage): WireMessage {
  return {
    routingKey: message.routingKey,
    body: Buffer.from(message.body),
    properties: { ...message.properties, headers: { ...message.properties.headers } },
  };
}

function expiresAt(message: WireMessage): number | null {
  const ttl = Number(message.properties.expiration);
  return message.properties.expiration === undefined || !Number.isFinite(ttl) ? null : Date.now() + ttl;
}

/** How long a queue outlives its last consumer: null deletes it at once, undefined keeps it. */
function idleExpiry(spec: MemoryQueue['spec']): number | null | undefined {
  switch (spec.kind) {
    case 'broadcast':
    case 'requests':
      return spec.expiresMs;
    case 'presence':
      return null;
    default:
      return undefined;
  }
}

/** Which queues each exchange feeds. */
const FEEDS: Record<'events' | 'requests' | 'presence', QueueSpec['kind'][]> = {
  events: ['broadcast', 'group'],
  requests: ['requests'],
  presence: ['presence'],
};

/**
 * An in-process broker with remit's semantics: the fanout event exchange, broadcast queues that
 * vanish with their consumer (or expire), durable group queues whose consumers compete, prefetch,
 * redelivery of unacknowledged messages, a delivery limit on group queues, and a dead-letter queue;
 * for requests and presence, a direct request exchange, a fanout presence exchange, the default
 * exchange (a queue by name) and direct reply-to addresses, with per-message expiration.
 * Buses given the same broker see each other. Messages are copied, so a codec round trip is real.
 */
export class MemoryBroker {
  readonly #queues = new Map<string, MemoryQueue>();
  readonly #replyAddresses = new Map<string, (message: WireMessage) => void>();
  #nextAddress = 0;

  constructor() {
    this.#queues.set(DEAD_QUEUE, this.#newQueue({ kind: 'dead', name: DEAD_QUEUE }));
  }

  /** Messages waiting in `remit.dead`, oldest first. */
  deadLetters(): WireMessage[] {
    return (this.#queues.get(DEAD_QUEUE)?.messages ?? []).map((entry) => copy(entry.message));
  }

  /** Names of the queues that exist now. */
  queueNames(): string[] {
    return [...this.#queues.keys()];
  }

  /**
   * Routes a message to every bound queue (or reply address); returns how many took it (0:
   * unroutable). `delay`: held `delayMs`, then put in the queue its routing key names (in the
   * dead-letter queue if that queue is gone by then), as a broker delay queue would.
   */
  publish(target: PublishTarget | SendTarget, message: WireMessage, delayMs = 0): number {
    if (target === 'delay') {
      const copied = copy(message);
      setTimeout(() => {
        const queue = this.#queues.get(copied.routingKey) ?? this.#dead();
        queue.messages.push({ message: copied, redelivered: false, deliveries: 0, expiresAt: null });
        this.#schedule(queue);
      }, delayMs).unref();
      return 1;
    }
    if (target === 'direct') {
      const reply = this.#replyAddresses.get(message.routingKey);
      if (reply) {
        const copied = copy(message);
        setImmediate(() => reply(copied));
        return 1;
      }
    }
    const queues = this.#route(target, message.routingKey);
    for (const queue of queues) {
      queue.messages.push({ message: copy(message), redelivered: false, deliveries: 0, expiresAt: expiresAt(message) });
      this.#schedule(queue);
    }
    return queues.length;
  }

  /** A direct reply-to address: replies published to it go to `onReply`. Returns it and its removal. */
  replyAddress(onReply: (message: WireMessage) => void): { address: string; remove(): void } {
    const address = `${REPLY_TO}.memory-${++this.#nextAddress}`;
    this.#replyAddresses.set(address, onReply);
    return { address, remove: () => this.#replyAddresses.delete(address) };
  }

  /** Binds a request queue to one more request name. */
  bind(name: string, routingKey: string): void {
    const queue = this.#queues.get(name);
    if (!queue) throw new Error(`Memory broker: no queue "${name}"; declare it first.`);
    queue.keys.add(routingKey);
  }

  #route(target: Exclude<PublishTarget, 'delay'> | SendTarget, routingKey: string): MemoryQueue[] {
    if (target === 'dead') return [this.#dead()];
    if (target === 'direct') {
      const queue = this.#queues.get(routingKey);
      return queue ? [queue] : [];
    }
    const kinds: string[] = FEEDS[target];
    return [...this.#queues.values()].filter(
      (queue) => kinds.includes(queue.spec.kind) && (target !== 'requests' || queue.keys.has(routingKey)),
    );
  }

  declare(spec: QueueSpec): void {
    let queue = this.#queues.get(spec.name);
    if (queue) {
      if (queue.expiryTimer) clearTimeout(queue.expiryTimer);
      queue.expiryTimer = null;
    } else {
      this.#queues.set(spec.name, (queue = this.#newQueue(spec)));
    }
    if (spec.kind === 'requests') for (const key of spec.routingKeys) queue.keys.add(key);
  }

  /** Adds a consumer; returns a function that removes it. Its unsettled deliveries stay with it until settled. */
  consume(name: string, consumer: MemoryConsumer): () => void {
    const queue = this.#queues.get(name);
    if (!queue) throw new Error(`Memory broker: no queue "${name}"; declare it first.`);
    queue.consumers.push(consumer);
    this.#schedule(queue);
    return () => {
      queue.consumers = queue.consumers.filter((existing) => existing !== consumer);
      if (queue.consumers.length === 0) this.#onIdle(queue);
    };
  }

  #newQueue(spec: MemoryQueue['spec']): MemoryQueue {
    return { spec, keys: new Set(), messages: [], consumers: [], nextConsumer: 0, expiryTimer: null };
  }

  #dead(): MemoryQueue {
    let dead = this.#queues.get(DEAD_QUEUE);
    if (!dead) this.#queues.set(DEAD_QUEUE, (dead = this.#newQueue({ kind: 'dead', name: DEAD_QUEUE })));
    return dead;
  }

  #onIdle(queue: MemoryQueue): void {
    const { spec } = queue;
    const expiresMs = idleExpiry(spec);
    if (expiresMs === undefined) return;
    if (expiresMs === null) {
      this.#queues.delete(spec.name);
      return;
    }
    queue.expiryTimer = setTimeout(() => this.#queues.delete(spec.name), expiresMs);
    queue.expiryTimer.unref();
  }

  #schedule(queue: MemoryQueue): void {
    // Deliver on a later turn, as a network broker would, never inside publish().
    setImmediate(() => this.#pump(queue));
  }

  #pump(queue: MemoryQueue): void {
    while (queue.messages.length > 0) {
      const consumer = this.#nextFreeConsumer(queue);
      if (!consumer) return;
      const entry = queue.messages.shift();
      if (!entry) return;
      if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) continue;
      entry.deliveries++;
      consumer.unacked++;
      let settled = false;
      consumer.deliver(entry, (outcome) => {
        if (settled) return;
        settled = true;
        consumer.unacked--;
        if (outcome === 'requeue') this.#requeue(queue, entry);
        this.#schedule(queue);
      });
    }
  }

  #requeue(queue: MemoryQueue, entry: QueuedMessage): void {
    const { spec } = queue;
    if (spec.kind === 'group' && entry.deliveries >= spec.deliveryLimit) {
      const message = copy(entry.message);
      message.properties.headers['remit-dead-reason'] = 'delivery-limit';
      message.properties.headers['remit-dead-queue'] = spec.name;
      this.publish('dead', message);
      return;
    }
    entry.redelivered = true;
    queue.messages.unshift(entry);
  }

  #nextFreeConsumer(queue: MemoryQueue): MemoryConsumer | undefined {
    // Single active consumer: the first consumer gets everything; the next takes over when it leaves.
    if (queue.spec.kind === 'group' && queue.spec.singleActiveConsumer) {
      const active = queue.consumers[0];
      return active && active.unacked < active.prefetch ? active : undefined;
    }
    const count = queue.consumers.length;
    for (let step = 0; step < count; step++) {
      const index = (queue.nextConsumer + step) % count;
      const consumer = queue.consumers[index];
      if (consumer && consumer.unacked < consumer.prefetch) {
        queue.nextConsumer = (index + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }
}

/** A new, empty in-process broker; give the same one to every bus that should see the others. */
export function memoryBroker(): MemoryBroker {
  return new MemoryBroker();
}
