import type { EventMeta, EventName } from '@remit/core';
import type { Request } from 'express';
import { toBrowserJson } from './browser-json.js';
import { eventNames, nonNegativeInteger, optionalFunction, rejectUnknownKeys, requireRecord } from './option-checks.js';

/** Options of `eventStream(bus, options)`. */
export interface EventStreamOptions<E extends object> {
  /** Bus events sent to browsers, as SSE events of the same name. Required, non-empty. */
  events: readonly EventName<E>[];
  /**
   * Decides per client whether it gets an event (also for replayed ones). Return false to leave
   * it out. A filter that throws leaves the event out and raises a process warning.
   * @default every listed event goes to every client
   */
  filter?: (name: EventName<E>, payload: E[EventName<E>], meta: EventMeta, req: Request) => boolean;
  /**
   * Interval of the `: ping` comment that keeps idle streams open through proxies. 0 turns it off.
   * @default 15000
   */
  heartbeatMs?: number;
  /**
   * How many recent events are kept to replay to a browser that reconnects with `Last-Event-ID`.
   * 0 turns replay off.
   * @default 100
   */
  bufferSize?: number;
  /**
   * Reconnect delay the browser is told to use (`retry:` field).
   * @default 2000
   */
  retryMs?: number;
  /**
   * Turns a payload into the text of the `data:` field.
   * @default toBrowserJson: plain JSON (Date as ISO string, Map as [key, value] pairs, Set as array, BigInt as string)
   */
  serialize?: (payload: E[EventName<E>], name: EventName<E>, meta: EventMeta) => string;
}

export interface NormalizedEventStreamOptions<E extends object> {
  events: EventName<E>[];
  filter: EventStreamOptions<E>['filter'];
  heartbeatMs: number;
  bufferSize: number;
  retryMs: number;
  serialize: (payload: E[EventName<E>], name: EventName<E>, meta: EventMeta) => string;
}

const KNOWN = ['events', 'filter', 'heartbeatMs', 'bufferSize', 'retryMs', 'serialize'] as const;

export function normalizeEventStreamOptions<E extends object>(options: unknown): NormalizedEventStreamOptions<E> {
  const record = requireRecord('options', options);
  rejectUnknownKeys(record, KNOWN);
  return {
    events: eventNames<E>('events', record.events),
    filter: optionalFunction<EventStreamOptions<E>['filter']>('filter', record.filter),
    heartbeatMs: nonNegativeInteger('heartbeatMs', record.heartbeatMs, 15_000),
    bufferSize: nonNegativeInteger('bufferSize', record.bufferSize, 100),
    retryMs: nonNegativeInteger('retryMs', record.retryMs, 2000),
    serialize: optionalFunction<NormalizedEventStreamOptions<E>['serialize']>('serialize', record.serialize) ?? toBrowserJson,
  };
}
