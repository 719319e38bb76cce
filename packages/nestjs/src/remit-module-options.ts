import { type BusOptions, ConfigError } from '@remit/core';

/** How `@nestjs/event-emitter`'s EventEmitter2 is bridged to the bus. */
export interface RemitEventEmitterOptions {
  /**
   * Events carried both ways: emitted locally on EventEmitter2 they are published to every
   * instance; published by another instance they are emitted here. Events not listed still reach
   * this app's `@OnEvent` handlers when another instance publishes them, but a local emit of them
   * stays local.
   * @default [] (no local event is published)
   */
  events?: readonly string[];
}

/**
 * Options of `RemitModule.forRoot` (and what `forRootAsync`'s factory returns): every `createBus`
 * option, plus the module's own.
 *
 * @example
 * RemitModule.forRoot({
 *   service: 'billing',
 *   transport: amqp({ url: process.env.AMQP_URL ?? 'amqp://localhost' }),
 *   eventEmitter: { events: ['order.placed'] },
 * })
 */
export interface RemitModuleOptions extends BusOptions {
  /**
   * Bridge `@nestjs/event-emitter` (import `EventEmitterModule.forRoot()` too): `@OnEvent`
   * handlers hear events published by other instances, and the listed local events are published.
   * `true` is `{ events: [] }`.
   * @default false
   */
  eventEmitter?: boolean | RemitEventEmitterOptions;
  /**
   * On application shutdown, how long running handlers may take to finish before the bus closes
   * anyway (their events stay unacknowledged, and the broker redelivers them).
   * @default 10000
   */
  shutdownTimeoutMs?: number;
}

export interface NormalizedRemitModuleOptions {
  bus: BusOptions;
  /** null when the EventEmitter2 bridge is off. */
  eventEmitter: { events: string[] } | null;
  shutdownTimeoutMs: number;
}

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** Splits the module's options from the bus's and checks the module's; createBus checks the rest. */
export function normalizeRemitModuleOptions(input: unknown): NormalizedRemitModuleOptions {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ConfigError('options', 'RemitModule needs an options object: { service, transport, ... }.');
  }
  // The object came from forRoot or a forRootAsync factory: its shape is only known at run time.
  const { eventEmitter, shutdownTimeoutMs, ...bus } = input as RemitModuleOptions;
  return {
    bus,
    eventEmitter: eventEmitterOption(eventEmitter),
    shutdownTimeoutMs: shutdownTimeout(shutdownTimeoutMs),
  };
}

function eventEmitterOption(value: unknown): { events: string[] } | null {
  if (value === undefined || value === false) return null;
  if (value === true) return { events: [] };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError('eventEmitter', 'expected true, false or { events: [...] }.');
  }
  const { events, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new ConfigError(`eventEmitter.${unknown}`, 'unknown option. Known options: events.');
  if (events === undefined) return { events: [] };
  if (!Array.isArray(events)) throw new ConfigError('eventEmitter.events', 'expected an array of event names.');
  const names: string[] = [];
  for (const [index, name] of events.entries()) {
    if (typeof name !== 'string' || name.length === 0) {
      throw new ConfigError(`eventEmitter.events[${index}]`, 'expected a non-empty string.');
    }
    names.push(name);
  }
  return { events: names };
}

function shutdownTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_SHUTDOWN_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigError('shutdownTimeoutMs', 'expected an integer number of milliseconds, 0 or more.');
  }
  return value;
}
