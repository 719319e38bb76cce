import { DecodeError, toError, ValidationError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { EventCounters, EventMetrics } from '../metrics/event-metrics.js';
import { callHandler, type CallHooks, type HandlerFailure } from './handler-call.js';
import type { DeliveryAcks } from '../presence/delivery-acks.js';
import type { InstanceRef } from '../presence/presence-types.js';
import { issuesHeader } from '../schemas/schema-issues.js';
import { runSchema, type SchemaLookup } from '../schemas/schema-validation.js';
import type { HandlingSpan, Tracing } from '../tracing/tracing.js';
import type { Delivery, WireMessage } from '../transport.js';
import type { BusStats } from '../bus-state.js';
import type { CodecLookup } from '../wire/codecs.js';
import { type DecodedEvent, fromWireMessage } from '../wire/envelope.js';
import { Header, text } from '../wire/headers.js';
import type { DeadLetters } from './dead-letters.js';
import { DedupWindow } from './dedup-window.js';
import { addressee } from './destinations.js';
import type { FailureSettlement } from './failure-settlement.js';
import type { HandlerEntry, HandlerRegistry } from './handler-registry.js';
import type { Observers } from '../observe/observers.js';

/**
 * Which handlers a queue feeds: this instance's broadcast handlers, or one group's. `released`: a
 * closing ordered group, whose deliveries are left unacknowledged for the instance that takes over.
 */
export type QueueRole = { kind: 'broadcast' } | { kind: 'group'; group: string; released?: boolean };

/**
 * How handling an event ended: handled, dead-lettered, sent to a delay queue for a later try,
 * kept for a redelivery (storing its dead letter failed), or abandoned (never run: the bus is
 * closing an ordered group; the broker gives it to the instance that takes over).
 */
export type RunOutcome = 'handled' | 'dead-lettered' | 'delayed' | 'kept' | 'abandoned';

export interface DispatcherDeps {
  /** This instance: its own broker copies and events addressed elsewhere are dropped. */
  self: InstanceRef;
  registry: HandlerRegistry;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  dedupWindow: number;
  /** Payloads of these events are checked before handlers run; null: none are. */
  schemas: SchemaLookup;
  stats: BusStats;
  /** Per-event counters and handler durations. */
  metrics: EventMetrics;
  reporter: FailureReporter;
  deadLetters: DeadLetters;
  /** Failed handlers: a delayed retry, or the dead-letter queue. */
  failures: FailureSettlement;
  /** Tells the publisher of a broadcast event, if it asked (`ack: true`), how its handlers ended here. */
  acks: Pick<DeliveryAcks, 'send'>;
  /** Spans around handlers; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every delivery and handler run, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

/**
 * Turns deliveries into handler calls: decode, drop own copies and duplicates, run every handler
 * through its policy, settle what still fails (a delayed retry or a dead letter), and only then
 * acknowledge. A message is acked once it is handled, or safely in a delay or dead-letter queue;
 * if even that fails it is requeued, so nothing is dropped silently.
 */
export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #windows = new Map<string, DedupWindow>();
  /** Ids being handled right now, per queue: a second copy arriving meanwhile is a duplicate too. */
  readonly #running = new Map<string, Set<string>>();
  readonly #hooks: CallHooks;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#hooks = {
      retrying: (handler, event, counters, error, attempt) => {
        deps.stats.retried++;
        counters.retried++;
        deps.reporter.retrying(event, handler.label, attempt, error);
      },
    };
  }

  async dispatch(delivery: Delivery, role: QueueRole): Promise<void> {
    const deps = this.#deps;
    // A closing ordered group starts nothing more: the broker requeues this, in order, when the channel closes.
    if (role.kind === 'group' && role.released) return;
    if (deps.observers.active) delivery = deps.observers.delivery(delivery);
    deps.stats.received++;
    const { message } = delivery;
    const { headers } = message.properties;
    // Looked up once per delivery and handed down: the name is the one fromWireMessage reads.
    const counters = deps.metrics.of(message.properties.type || message.routingKey);
    counters.received++;
    const retryHandlers = headers[Header.retryHandlers];
    // The publisher ran its own broadcast handlers directly (`local`), or chose not to; its broker
    // copy is dropped before paying for a decode. (A delayed retry of its own handlers is not a copy.)
    if (role.kind === 'broadcast' && headers[Header.instance] === deps.self.instance && retryHandlers === undefined) {
      delivery.ack();
      return;
    }
    // Addressed to another service or instance: dropped before paying for a decode.
    const to = addressee(headers, deps.self);
    if (to === 'other') {
      deps.stats.notForMe++;
      delivery.ack();
      return;
    }
    let event: DecodedEvent;
    try {
      if (to === 'invalid') throw new DecodeError('invalid-destination', 'The remit-to-service or remit-to-instance header is not text.');
      event = fromWireMessage(message, { codecs: deps.codecs, maxPayloadBytes: deps.maxPayloadBytes, redelivered: delivery.redelivered });
    } catch (caught) {
      await this.#undecodable(delivery, role, caught, counters);
      return;
    }
    counters.observeLag(event.meta.publishedAt.getTime());
    const window = this.#window(delivery.queue);
    const running = this.#runningIn(delivery.queue);
    const { id } = event.meta;
    // A delayed retry carries the id of an event that was not handled (so not remembered) and may
    // come back before its first delivery has finished settling.
    if (window.has(id) || (retryHandlers === undefined && running.has(id))) {
      deps.stats.duplicates++;
      delivery.ack();
      return;
    }
    running.add(id);
    let handlers = role.kind === 'broadcast' ? deps.registry.takeBroadcast(event.name) : deps.registry.takeGroup(role.group, event.name);
    // A delayed retry runs only the handlers that failed; the others handled the event already.
    if (retryHandlers !== undefined) handlers = retried(handlers, retryHandlers);
    const group = role.kind === 'group' ? role.group : undefined;
    let outcome: RunOutcome;
    try {
      outcome = await this.run(handlers, event, message, delivery.queue, counters, group);
    } finally {
      running.delete(id);
    }
    if (outcome === 'abandoned') return;
    if (outcome === 'kept') {
      delivery.requeue();
      return;
    }
    // A dead-lettered event is not remembered: an operator who replays it (remit dead replay) means
    // it to be handled again, under the same id. Nor is a delayed one, which comes back.
    if (outcome === 'handled') window.remember(event.meta.id);
    delivery.ack();
    if (role.kind === 'broadcast') deps.acks.send(message, outcome === 'handled' ? 'handled' : 'failed');
  }

  /**
   * Runs handlers for one event, first checking its payload against the event's schema, if it
   * has one (an invalid event is dead-lettered instead). `counters`: the event's, which the caller
   * already looked up. `retryQueue`: where a delayed retry goes back to (the consumed queue, or the
   * broadcast queue for this instance's own local handlers).
   */
  run(
    handlers: HandlerEntry[],
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    counters: EventCounters,
    group?: string,
    retryQueue: string = queue,
  ): Promise<RunOutcome> {
    if (handlers.length === 0) return Promise.resolve('handled');
    const tracing = this.#deps.tracing;
    const running = tracing?.enabled
      ? tracing.process(event, message, queue, group, (span) => this.#run(handlers, event, message, queue, retryQueue, counters, span))
      : this.#run(handlers, event, message, queue, retryQueue, counters, undefined);
    if (this.#deps.observers.active) this.#deps.observers.emit({ kind: 'handle', event, queue, done: running });
    return running;
  }

  async #run(
    handlers: HandlerEntry[],
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    retryQueue: string,
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
    let abandoned = false;
    const [only] = handlers;
    if (handlers.length === 1 && only) {
      // One handler is the common case: awaited directly, without Promise.all's arrays and wrappers.
      const called = callHandler(only, event, counters, this.#hooks);
      const result = called instanceof Promise ? await called : called;
      if (result === 'abandoned') abandoned = true;
      else if (result) failures.push(result);
    } else {
      for (const result of await Promise.all(handlers.map((handler) => callHandler(handler, event, counters, this.#hooks)))) {
        if (result === 'abandoned') abandoned = true;
        else if (result) failures.push(result);
      }
    }
    // Some handlers of an ordered group never ran: the whole event goes to the next instance.
    if (abandoned) return 'abandoned';
    if (failures.length === 0) {
      deps.stats.handled++;
      counters.handled++;
      return 'handled';
    }
    return deps.failures.settle(failures, { event, message, queue, retryQueue, counters, span });
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

  /** A message that is not a readable event: dead-lettered at once, with the reason. */
  async #undecodable(delivery: Delivery, role: QueueRole, caught: unknown, counters: EventCounters): Promise<void> {
    const deps = this.#deps;
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

/** The handlers a delayed retry names (`remit-retry-handlers`, comma-separated). */
function retried(handlers: HandlerEntry[], header: unknown): HandlerEntry[] {
  const names = (text(header) ?? '').split(',');
  return handlers.filter((handler) => names.includes(handler.label));
}
