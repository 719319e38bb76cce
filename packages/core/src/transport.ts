/** AMQP 0-9-1 basic properties remit reads and writes (docs/wire-format.md). */
export interface WireProperties {
  messageId?: string;
  type?: string;
  /** Seconds since the epoch, as AMQP defines it. */
  timestamp?: number;
  appId?: string;
  contentType?: string;
  /** 2 = persistent. */
  deliveryMode?: number;
  correlationId?: string;
  replyTo?: string;
  /** Per-message TTL in milliseconds, as a decimal string (AMQP `expiration`). */
  expiration?: string;
  /** Header values as the broker gave them; remit writes strings, numbers and booleans. */
  headers: Record<string, unknown>;
}

/** One message as it travels: what a transport sends and delivers. */
export interface WireMessage {
  routingKey: string;
  body: Buffer;
  properties: WireProperties;
  /**
   * Set by a transport that could not read the message's header table (nested too deep, malformed):
   * why. Its headers are then empty, and the bus dead-letters the message without them.
   */
  unreadable?: string;
}

/**
 * Where a confirmed message is published: the event exchange, the dead-letter exchange, or a
 * delay queue (`delayMs`) that sends it back, when it expires, to the queue its routing key names.
 */
export type PublishTarget = 'events' | 'dead' | 'delay';

/**
 * Where an unconfirmed message is sent: `requests` (the direct request exchange, routing key =
 * request name), `presence` (the fanout presence exchange) or `direct` (straight to the queue or
 * reply address named by the routing key, through the default exchange).
 */
export type SendTarget = 'requests' | 'presence' | 'direct';

/**
 * The reply address a request carries in `replyTo`: the transport delivers replies sent to it to
 * `TransportHooks.onReply` (RabbitMQ's direct reply-to).
 */
export const REPLY_TO = 'amq.rabbitmq.reply-to';

/** A queue the bus consumes from; the transport declares it, binds it and restores it on reconnect. */
export type QueueSpec =
  | {
      kind: 'broadcast';
      name: string;
      /**
       * Without a stable instance id the queue is exclusive and auto-deleted with its consumer.
       * With one, it is durable and expires `expiresMs` after its consumer left, so a restart catches up.
       */
      expiresMs: number | null;
      /** Broker-side redelivery limit of a stable instance's queue before the message is dead-lettered. */
      deliveryLimit: number;
    }
  | {
      kind: 'group';
      name: string;
      /** Broker-side redelivery limit before the message is dead-lettered (a consumer that keeps crashing). */
      deliveryLimit: number;
      /** One consumer at a time across the group (`orderBy`): RabbitMQ's single active consumer. */
      singleActiveConsumer?: boolean;
    }
  | {
      /** A service's request queue: durable, bound to the request exchange once per request name. */
      kind: 'requests';
      name: string;
      /** Request names served; more are added with `Transport.bind`. */
      routingKeys: readonly string[];
      /** The queue (and its bindings) is deleted this long after its last consumer left. */
      expiresMs: number;
    }
  | {
      /** This instance's presence queue: exclusive, bound to the presence exchange; also receives acks. */
      kind: 'presence';
      name: string;
    };

/** A broadcast or group queue, as `Transport.route` names it. */
export type QueueRef = Pick<Extract<QueueSpec, { kind: 'broadcast' | 'group' }>, 'kind' | 'name'>;

/** A message handed to the bus; exactly one of `ack` or `requeue` must be called. */
export interface Delivery {
  readonly message: WireMessage;
  /** The queue it came from. */
  readonly queue: string;
  readonly redelivered: boolean;
  /**
   * True once it can no longer be acknowledged: its channel closed, and the broker has put it back
   * in its queue (for this consumer or another). A delivery still waiting to be handled is then
   * dropped. Absent: always acknowledgeable (the memory transport).
   */
  readonly stale?: boolean;
  /** Acknowledge: the broker forgets the message. */
  ack(): void;
  /** Return the message to its queue for another attempt (after a failed dead-letter, or on shutdown). */
  requeue(): void;
}

export type TransportStatus = 'connecting' | 'connected' | 'disconnected';

/** How a transport talks back to its bus. */
export interface TransportHooks {
  onStatus(status: TransportStatus, cause?: Error): void;
  /** A failure that did not change the status (a channel error, a cancelled consumer). */
  onError(error: Error): void;
  /** A message reached no queue (nothing is bound for it); the broker returned it instead of storing it. */
  onReturn(message: WireMessage, target: PublishTarget | SendTarget): void;
  /** A reply to a request this transport sent with `replyTo: REPLY_TO`. */
  onReply(message: WireMessage): void;
}

export interface PublishRequest {
  message: WireMessage;
  target: PublishTarget;
  /** Reject with PublishTimeoutError if the broker has not confirmed within this time. */
  timeoutMs: number;
  /** `delay` only: how long the message waits before it goes back to its queue. */
  delayMs?: number;
}

/**
 * Moves bytes between buses. A transport knows nothing of events, codecs or handlers: the bus
 * gives it encoded messages and queue specs and gets deliveries back.
 */
export interface Transport {
  /**
   * How the events exchange routes: `fanout` delivers every event to every broadcast and group
   * queue, `topic` only what each queue is bound for (`route`). A transport without it is fanout.
   */
  readonly routing?: 'fanout' | 'topic';
  /** Connects; resolves once connected and topology is declared. */
  start(hooks: TransportHooks): Promise<void>;
  /**
   * Resolves when the broker has confirmed the message. Messages are sent in call order, through
   * an outbox that keeps them across reconnects. An event that reached no queue goes to `onReturn`.
   */
  publish(request: PublishRequest): Promise<void>;
  /**
   * Writes a message at once, without a confirm or the outbox: requests, replies, presence and
   * acks, which mean nothing on another connection. Returns false, sending nothing, while not
   * connected. Requests go on the channel whose replies reach `onReply`; whatever reaches no
   * queue comes back through `onReturn`. Sent on the channel deliveries are acknowledged on, so
   * a reply sent before its request's ack reaches the broker before that ack.
   */
  send(message: WireMessage, target: SendTarget): boolean;
  /** Declares, binds and consumes a queue, now and after every reconnect. Resolves to a cancel function. */
  consume(queue: QueueSpec, prefetch: number, onDelivery: (delivery: Delivery) => void): Promise<() => Promise<void>>;
  /**
   * Sets the event names and patterns (`order.*`, `#`) a broadcast or group queue is bound with
   * under topic routing: bindings are added and removed to match, now if the queue is declared and
   * on every (re)declare. May be called before the queue is consumed. Resolves once the broker has
   * them. Not needed under fanout routing, where every queue receives every event.
   */
  route?(queue: QueueRef, keys: readonly string[]): Promise<void>;
  /** Adds a routing key to a consumed `requests` queue, now and after every reconnect. */
  bind(queue: string, routingKey: string): Promise<void>;
  /** Publishes accepted but not yet confirmed. */
  pending(): number;
  /** Waits until every accepted publish is confirmed or rejected, or the signal aborts. */
  flush(signal: AbortSignal): Promise<void>;
  /** Closes the connection; unacknowledged deliveries go back to their queues. */
  close(): Promise<void>;
}

/** What a bus tells its transport when it creates it. */
export interface TransportContext {
  service: string;
  instanceId: string;
}

/** Returned by `amqp()` and `memory()`: makes one transport per bus. */
export interface TransportFactory {
  readonly kind: string;
  /**
   * Added to the names of the queues buses share (`remit.group.<group>@<namespace>`), so two
   * systems on one broker never share one by accident; `amqp()` sets it to its events exchange
   * unless that is the default. Absent: names as they are.
   */
  readonly namespace?: string;
  create(context: TransportContext): Transport;
}
