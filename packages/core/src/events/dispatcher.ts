import { DedupWindow } from './dedup-window.js';
import { isForMe } from './destinations.js';
import type { CodecLookup } from '../wire/codecs.js';
import { type DecodedEvent, fromWireMessage } from '../wire/envelope.js';
import { Header } from '../wire/headers.js';
import { DecodeError, ValidationError, toError } from '../errors.js';
import type { EventCounters, EventMetrics } from '../metrics/event-metrics.js';
import type { HandlerEntry, HandlerRegistry } from './handler-registry.js';
import type { InstanceRef } from '../presence/presence-types.js';
import type { BackoffOptions } from '../policies/backoff.js';
import { withRetry } from '../policies/retry.js';
import type { HandlingSpan, Tracing } from '../tracing/tracing.js';
import type { Delivery, WireMessage } from '../transport.js';
import type { BusStats } from '../types.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { DeliveryAcks } from '../presence/delivery-acks.js';
import type { DeadLetters } from './dead-letters.js';
import type { Observers } from '../observe/observers.js';
import { issuesHeader } from '../schemas/schema-issues.js';
import { runSchema, type SchemaLookup } from '../schemas/schema-validation.js';

/** Which handlers a queue feeds: this instance's broadcast handlers, or one group's. */
export type QueueRole = { kind: 'broadcast' } | { kind: 'group'; group: string };

/** A handler that still failed after its last attempt. */
interface HandlerFailure {
  handler: HandlerEntry;
  error: Error;
  attempts: number;
}

/** How handling an event ended: handled, failed and dead-lettered, or failed and kept for a redelivery. */
export type RunOutcome = 'handled' | 'dead-lettered' | 'kept';

export interface DispatcherDeps {
  /** This instance: its own broker copies and events addressed elsewhere are dropped. */
  self: InstanceRef;
  registry: HandlerRegistry;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  retry: BackoffOptions;
  dedupWindow: number;
  /** Payloads of these events are checked before handlers run; null: none are. */
  schemas: SchemaLookup;
  stats: BusStats;
  /** Per-event counters and handler durations. */
  metrics: EventMetrics;
  reporter: FailureReporter;
  deadLetters: DeadLetters;
  /** Tells the publisher of a broadcast event, if it asked (`ack: true`), how its handlers ended here. */
  acks: Pick<DeliveryAcks, 'send'>;
  /** Spans around handlers; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every delivery and handler run, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

/**
 * Turns deliveries into handler calls: decode, drop own copies and duplicates, run every handler
 * with retries, dead-letter what still fails, and only then acknowledge. A message is acked once it
 * is handled or safely in the dead-letter queue; if even dead-lettering fails it is requeued, so
 * nothing is dropped silently.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #windows = new Map<string, DedupWindow>();
  /** Ids being handled right now, per queue: a second copy arriving meanwhile is a duplicate too. */
  readonly #running = new Map<string, Set<string>>();

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  async dispatch(delivery: Delivery, role: QueueRole): Promise<void> {
    const deps = this.#deps;
    if (deps.observers.active) delivery = deps.observers.delivery(delivery);
    deps.stats.received++;
    // Looked up once per delivery and handed down: the name is the one fromWireMessage reads.
    const counters = deps.metrics.of(delivery.message.properties.type || delivery.message.routingKey);
    counters.received++;
    // The publisher ran its own broadcast handlers directly (`local`), or chose not to; its broker
    // copy is dropped before paying for a decode.
    if (role.kind === 'broadcast' && delivery.message.properties.headers[Header.instance] === deps.self.instance) {
      delivery.ack();
      return;
    }
    // Addressed to another service or instance: dropped before paying for a decode.
    if (!isForMe(delivery.message.properties.headers, deps.self)) {
      deps.stats.notForMe++;
      delivery.ack();
      return;
    }
    let event: DecodedEvent;
    try {
      event = fromWireMessage(delivery.message, {
        codecs: deps.codecs,
        maxPayloadBytes: deps.maxPayloadBytes,
        redelivered: delivery.redelivered,
      });
    } catch (caught) {
      const error = caught instanceof DecodeError ? caught : new DecodeError('decode-failed', toError(caught).message);
      const { properties, routingKey } = delivery.message;
      const name = properties.type || routingKey;
      const id = properties.messageId;
      deps.reporter.report({ kind: 'decode', error, ...(name ? { event: name } : {}), ...(id ? { id } : {}) });
      const deadLettered = await deps.deadLetters.send(
        delivery.message,
        { reason: error.reason, error: error.message, queue: delivery.queue, ...(name ? { event: name } : {}) },
        counters,
      );
      if (!deadLettered) {
        delivery.requeue();
        return;
      }
      delivery.ack();
      if (role.kind === 'broadcast') deps.acks.send(delivery.message, 'failed');
      return;
    }
    counters.observeLag(event.meta.publishedAt.getTime());
    const window = this.#window(delivery.queue);
    const running = this.#runningIn(delivery.queue);
    const { id } = event.meta;
    if (window.has(id) || running.has(id)) {
      deps.stats.duplicates++;
      delivery.ack();
      return;
    }
    running.add(id);
    const handlers =
      role.kind === 'broadcast' ? deps.registry.takeBroadcast(event.name) : deps.registry.takeGroup(role.group, event.name);
    const group = role.kind === 'group' ? role.group : undefined;
    const outcome = await this.run(handlers, event, delivery.message, delivery.queue, counters, group).finally(() => running.delete(id));
    if (outcome === 'kept') {
      delivery.requeue();
      return;
    }
    // A dead-lettered event is not remembered: an operator who replays it (remit dead replay) means
    // it to be handled again, under the same id.
    if (outcome === 'handled') window.remember(event.meta.id);
    delivery.ack();
    if (role.kind === 'broadcast') deps.acks.send(delivery.message, outcome === 'handled' ? 'handled' : 'failed');
  }

  /**
   * Runs handlers for one event, first checking its payload against the event's schema, if it
   * has one (an invalid event is dead-lettered instead). `kept`: they failed and the event could
   * not be dead-lettered, so the caller keeps the message for another attempt. `counters`: the
   * event's, which the caller already looked up.
   */
  run(
    handlers: HandlerEntry[],
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    counters: EventCounters,
    group?: string,
  ): Promise<RunOutcome> {
    if (handlers.length === 0) return Promise.resolve('handled');
    const tracing = this.#deps.tracing;
    const running = tracing?.enabled
      ? tracing.process(event, message, queue, group, (span) => this.#run(handlers, event, message, queue, counters, span))
      : this.#run(handlers, event, message, queue, counters, undefined);
    if (this.#deps.observers.active) this.#deps.observers.emit({ kind: 'handle', event, queue, done: running });
    return running;
  }

  async #run(
    handlers: HandlerEntry[],
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    counters: EventCounters,
    span: HandlingSpan | undefined,
  ): Promise<RunOutcome> {
    const deps = this.#deps;
    const schema = deps.schemas?.get(event.name);
    if (schema !== undefined) {
      const result = await runSchema(schema, event.payload);
      if (result.issues) return this.#rejectInvalid(event, result.issues, message, queue, counters, span);
      // Handlers get what the schema made of the payload: transforms and defaults applied.
      event = { ...event, payload: result.value };
    }
    const failures: HandlerFailure[] = [];
    const [only] = handlers;
    if (handlers.length === 1 && only) {
      // One handler is the common case: awaited directly, without Promise.all's arrays and wrappers.
      const failure = await this.#attempt(only, event, counters);
      if (failure) failures.push(failure);
    } else {
      for (const failure of await Promise.all(handlers.map((handler) => this.#attempt(handler, event, counters)))) {
        if (failure) failures.push(failure);
      }
    }
    if (failures.length === 0) {
      deps.stats.handled++;
      counters.handled++;
      return 'handled';
    }
    for (const failure of failures) {
      deps.stats.failed++;
      counters.failed++;
      span?.recordFailure('handler-failed', failure.error);
      deps.reporter.report({
        kind: 'handler',
        error: failure.error,
        event: event.name,
        id: event.meta.id,
        handler: failure.handler.label,
        attempts: failure.attempts,
      });
    }
    const deadLettered = await deps.deadLetters.send(
      message,
      {
        reason: 'handler-failed',
        error: failures.map((failure) => `${failure.handler.label}: ${failure.error.message}`).join('; '),
        handler: failures.map((failure) => failure.handler.label).join(','),
        attempts: Math.max(...failures.map((failure) => failure.attempts)),
        event: event.name,
        queue,
      },
      counters,
    );
    return deadLettered ? 'dead-lettered' : 'kept';
  }

  /** Runs one handler, retrying as configured; resolves to how it failed, or null once it succeeded. */
  async #attempt(handler: HandlerEntry, event: DecodedEvent, counters: EventCounters): Promise<HandlerFailure | null> {
    const deps = this.#deps;
    const onRetry = () => {
      deps.stats.retried++;
      counters.retried++;
    };
    const result = await withRetry(() => handler.run(event.payload, event.meta), deps.retry, onRetry, counters);
    return result.ok ? null : { handler, error: result.error, attempts: result.attempts };
  }

  /** An event that fails its schema is dead-lettered at once: retrying cannot make it valid. */
  async #rejectInvalid(
    event: DecodedEvent,
    issues: ValidationError['issues'],
    message: WireMessage,
    queue: string,
    counters: EventCounters,
    span: HandlingSpan | undefined,
  ): Promise<RunOutcome> {
    const error = new ValidationError(event.name, issues, 'receive');
    this.#deps.reporter.report({ kind: 'validation', error, event: event.name, id: event.meta.id });
    span?.recordFailure('validation-failed', error);
    const deadLettered = await this.#deps.deadLetters.send(
      message,
      { reason: 'validation-failed', error: error.message, issues: issuesHeader(issues), event: event.name, queue },
      counters,
    );
    return deadLettered ? 'dead-lettered' : 'kept';
  }

  #runningIn(queue: string): Set<string> {
    let running = this.#running.get(queue);
    if (!running) this.#running.set(queue, (running = new Set()));
    return running;
  }

  #window(queue: string): DedupWindow {
    let window = this.#windows.get(queue);
    if (!window) this.#windows.set(queue, (window = new DedupWindow(this.#deps.dedupWindow)));
    return window;
  }
}
