import { ConfigError, type EventName } from '@remit/core';

/** Options of `bridge` and `RemoteEmitter`. */
export interface BridgeOptions<E extends object> {
  /** Event names carried both ways: published when emitted locally, emitted when heard from another instance. */
  events: readonly EventName<E>[];
  /**
   * Hears a publish that failed (broker unreachable for longer than `publishTimeoutMs`, full outbox,
   * bus closed). An `emit` cannot wait for the broker, so this is where such failures surface.
   * @default a process warning (`process.emitWarning`) naming the event
   */
  onError?: (error: Error, event: EventName<E>) => void;
}

export interface NormalizedBridgeOptions<E extends object> {
  events: ReadonlySet<EventName<E>>;
  onError: (error: Error, event: EventName<E>) => void;
}

export function normalizeBridgeOptions<E extends object>(options: unknown): NormalizedBridgeOptions<E> {
  if (typeof options !== 'object' || options === null) throw new ConfigError('options', 'expected an object with "events".');
  const { events, onError } = options as Record<string, unknown>;
  return { events: new Set(eventList<E>(events)), onError: errorListener<E>(onError) };
}

export function eventList<E extends object>(events: unknown): EventName<E>[] {
  if (!Array.isArray(events) || events.length === 0) {
    throw new ConfigError('events', 'expected a non-empty array of event names, e.g. ["user.created"].');
  }
  for (const [index, name] of events.entries()) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ConfigError(`events[${index}]`, 'expected a non-empty string.');
    }
  }
  return events as EventName<E>[];
}

export function errorListener<E extends object>(onError: unknown): (error: Error, event: EventName<E>) => void {
  if (onError === undefined) return warnPublishFailed;
  if (typeof onError !== 'function') throw new ConfigError('onError', 'expected a function.');
  return onError as (error: Error, event: EventName<E>) => void;
}

function warnPublishFailed(error: Error, event: string): void {
  // remit's errors never carry credentials, so the message is safe to print.
  process.emitWarning(`remit could not publish "${event}": ${error.message}`, { type: 'RemitPublishWarning' });
}
