/**
 * The event map: event names to payload types. One map types publishing, handlers and every adapter.
 *
 * @example
 * type Events = { 'user.created': { id: string; at: Date }; 'cache.cleared': void };
 */
export type EventMap = Record<string, unknown>;

/** Event names of a map, as strings. */
export type EventName<E> = keyof E & string;

/**
 * An event name pattern for `on()`, `once()` and `off()`: dot-separated words where the word `*`
 * stands for exactly one word and `#` for zero or more (AMQP topic semantics): `order.*`,
 * `order.#`, `#`. Under topic routing the broker delivers only matching events; on every transport
 * the handler runs for exactly the events the pattern matches.
 */
export type EventPattern = `${string}*${string}` | `${string}#${string}`;

type Words<S extends string> = S extends `${infer Head}.${infer Rest}` ? [Head, ...Words<Rest>] : [S];

/** Whether the words of a name match the words of a pattern. */
type WordsMatch<N extends readonly string[], P extends readonly string[]> = P extends readonly [infer Part, ...infer Parts extends string[]]
  ? Part extends '#'
    ? WordsMatch<N, Parts> extends true
      ? true
      : N extends readonly [string, ...infer Rest extends string[]]
        ? WordsMatch<Rest, P>
        : false
    : N extends readonly [infer Word, ...infer Rest extends string[]]
      ? Part extends '*' | Word
        ? WordsMatch<Rest, Parts>
        : false
      : false
  : N extends readonly []
    ? true
    : false;

/** The event names of `E` that the pattern `P` matches (`never` for none). */
export type MatchingEvents<E, P extends string> = {
  [K in EventName<E>]: WordsMatch<Words<K>, Words<P>> extends true ? K : never;
}[EventName<E>];

/** Header values that survive the AMQP wire. */
export type HeaderValue = string | number | boolean | null;

/** What a handler learns about an event besides its payload. */
export interface EventMeta {
  /** Stable event id (AMQP messageId, a UUID for remit publishers); the same across redeliveries. */
  readonly id: string;
  /** Event name. */
  readonly name: string;
  /** Logical service of the publisher. */
  readonly service: string;
  /** Instance id of the publisher. */
  readonly instance: string;
  /** When the publisher published it. */
  readonly publishedAt: Date;
  /** True when the broker has delivered this message before (a previous consumer did not ack it). */
  readonly redelivered: boolean;
  /** Application headers sent with `publish(…, { headers })`. remit's own `remit-*` headers are left out. */
  readonly headers: Readonly<Record<string, HeaderValue>>;
  /**
   * Which try of the handler this is, from 1, counting in-process retries and delayed redeliveries
   * on whichever instance ran them (the count travels with the message).
   */
  readonly attempt: number;
  /** The ordering key the publisher set (`publish(…, { key })`), if any. */
  readonly key?: string;
}

/** A handler for one event. Awaited; the message is acknowledged once every handler for it settled. */
export type EventHandler<P> = (payload: P, meta: EventMeta) => unknown;

/** A handler for every broadcast event. */
export type AnyEventHandler<E> = (name: EventName<E>, payload: E[EventName<E>], meta: EventMeta) => unknown;

/** Stops a handler; calling it twice is harmless. */
export type Unsubscribe = () => void;

export interface PublishOptions {
  /**
   * Also run this instance's broadcast handlers, directly and once. The broker copy of an
   * instance's own event is never handled by that instance's broadcast handlers.
   * @default true
   */
  local?: boolean;
  /** Application headers, delivered in `meta.headers`. Names starting with `remit-` are reserved. */
  headers?: Record<string, HeaderValue>;
  /**
   * Ask the broker to write the event to disk (AMQP deliveryMode 2).
   * @default true
   */
  persistent?: boolean;
  /**
   * Address one service (`'billing'`) or one instance (`'billing:billing-1'`; the first `:` splits
   * them, so a service name holding `:` needs the object form). Every other instance drops the
   * event without running handlers (counted in `stats().notForMe`).
   * @default every instance
   */
  to?: string | Destination;
  /**
   * The ordering key (header `remit-key`): group handlers with `orderBy` handle events of one key
   * one at a time, in order. A handler's own `orderBy` wins over it.
   */
  key?: string;
  /** `ack: true` (see AckPublishOptions) makes publish resolve with a DeliveryReport. */
  ack?: false;
  /**
   * The event's id (`meta.id`, the AMQP `messageId`): a non-empty string of at most 255 bytes.
   * A publisher that may send the same event twice (an outbox relay after a crash) gives the same
   * id each time, and receivers' duplicate window drops the second copy.
   * @default a new UUID per publish
   */
  id?: string;
}

/**
 * An event checked against its schema and encoded with the bus's codec by `bus.encode()`, ready
 * for `bus.publishEncoded()`: for a publisher that stores events before sending them (an outbox).
 */
export interface EncodedEvent {
  readonly name: string;
  /** The codec's name (the `remit-codec` header), e.g. `superjson`. */
  readonly codec: string;
  /** The message body, at most `maxPayloadBytes`. */
  readonly body: Buffer;
}

/** `publish()` that waits for every live instance to report it ran its handlers. */
export interface AckPublishOptions extends Omit<PublishOptions, 'ack'> {
  ack: true;
  /**
   * How long to wait for acks before reporting the silent instances as `missing`.
   * @default 5000
   */
  timeoutMs?: number;
}

/** The instances an event is addressed to: a service, or one instance of it. */
export interface Destination {
  service: string;
  instance?: string;
}

export interface CloseOptions {
  /**
   * How long to wait for running handlers and outstanding confirms before closing anyway.
   * Unfinished messages stay unacknowledged, so the broker redelivers them.
   * @default 10000
   */
  timeoutMs?: number;
}

/** Where a failure happened, for `onError`. */
export type FailureKind =
  | 'handler'
  /** A circuit breaker paused or resumed a handler. */
  | 'circuit-breaker'
  | 'decode'
  | 'dead-letter'
  | 'transport'
  | 'unroutable'
  | 'request'
  | 'validation'
  /** Another live instance uses this instance's `instanceId`: broadcast events are split between the two. */
  | 'duplicate-instance';

/**
 * Where a bus logs: the console, pino, winston, Nest's Logger (through a small adapter), anything
 * with these methods. Each call gets one line of text, credentials masked.
 */
export interface Logger {
  error(message: string): void;
  warn(message: string): void;
  info(message: string): void;
}

export interface FailureReport {
  readonly kind: FailureKind;
  readonly error: Error;
  /** Event name, when known. */
  readonly event?: string;
  /** Event id, when known. */
  readonly id?: string;
  /** Handler name, for handler and request failures. */
  readonly handler?: string;
  /** Attempts made, for handler failures. */
  readonly attempts?: number;
  /** A handler failure that will be tried again after this long, through a broker delay queue. */
  readonly retryInMs?: number;
}
