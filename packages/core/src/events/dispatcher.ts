import { DecodeError, toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { EventCounters, EventMetrics } from '../metrics/event-metrics.js';
import type { DeliveryAcks } from '../presence/delivery-acks.js';
import type { InstanceRef } from '../presence/presence-types.js';
import type { Delivery } from '../transport.js';
import type { BusStats } from '../bus-state.js';
import type { CodecLookup } from '../wire/codecs.js';
import { type DecodedEvent, fromWireMessage } from '../wire/envelope.js';
import { Header, text } from '../wire/headers.js';
import type { DeadLetters } from './dead-letters.js';
import { DedupWindow } from './dedup-window.js';
import { addressee } from './destinations.js';
import type { HandlerEntry, HandlerRegistry } from './handler-registry.js';
import type { HandlerRunner, RunOutcome } from './handler-runner.js';
import type { Observers } from '../observe/observers.js';

/**
 * Which handlers a queue feeds: this instance's broadcast handlers, or one group's. `released`: a
 * closing ordered group, whose deliveries are left unacknowledged for the instance that takes over.
 */
export type QueueRole = { kind: 'broadcast' } | { kind: 'group'; group: string; released?: boolean };

export interface DispatcherDeps {
  /** This instance: its own broker copies and events addressed elsewhere are dropped. */
  self: InstanceRef;
  registry: HandlerRegistry;
  /** Runs an event's handlers and settles their failures. */
  runner: Pick<HandlerRunner, 'run'>;
  codecs: CodecLookup;
  maxPayloadBytes: number;
  dedupWindow: number;
  stats: BusStats;
  /** Per-event counters. */
  metrics: EventMetrics;
  reporter: FailureReporter;
  deadLetters: DeadLetters;
  /** Tells the publisher of a broadcast event, if it asked (`ack: true`), how its handlers ended here. */
  acks: Pick<DeliveryAcks, 'send'>;
  /** Hear every delivery, when the bus is observed (`bus.observe()`). */
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

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
  }

  /**
   * Handles one delivery. Returns a promise only while work is left: a synchronous handler that
   * succeeds is handled and acknowledged within this call, without a promise (the most common
   * delivery; each promise and microtask saved is CPU per event in every consumer).
   */
  dispatch(delivery: Delivery, role: QueueRole): Promise<void> | undefined {
    const deps = this.#deps;
    // A closing ordered group starts nothing more: the broker requeues this, in order, when the channel closes.
    if (role.kind === 'group' && role.released) return undefined;
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
      return undefined;
    }
    // Addressed to another service or instance: dropped before paying for a decode.
    const to = addressee(headers, deps.self);
    if (to === 'other') {
      deps.stats.notForMe++;
      delivery.ack();
      return undefined;
    }
    let event: DecodedEvent;
    try {
      if (to === 'invalid') throw new DecodeError('invalid-destination', 'The remit-to-service or remit-to-instance header is not text.');
      event = fromWireMessage(message, { codecs: deps.codecs, maxPayloadBytes: deps.maxPayloadBytes, redelivered: delivery.redelivered });
    } catch (caught) {
      return this.#undecodable(delivery, role, caught, counters);
    }
    counters.observeLag(event.meta.publishedAt.getTime());
    const window = this.#window(delivery.queue);
    const { id } = event.meta;
    if (!window.begin(id, retryHandlers !== undefined)) {
      deps.stats.duplicates++;
      delivery.ack();
      return undefined;
    }
    let handlers = role.kind === 'broadcast' ? deps.registry.takeBroadcast(event.name) : deps.registry.takeGroup(role.group, event.name);
    // A delayed retry runs only the handlers that failed; the others handled the event already.
    if (retryHandlers !== undefined) handlers = retried(handlers, retryHandlers);
    let running: RunOutcome | Promise<RunOutcome>;
    try {
      running = deps.runner.run(handlers, event, message, delivery.queue, counters, role.kind === 'group' ? role.group : undefined);
    } catch (error) {
      window.end(id, false);
      throw error;
    }
    if (!(running instanceof Promise)) {
      this.#settle(delivery, role, id, window, running);
      return undefined;
    }
    return running.then(
      (outcome) => this.#settle(delivery, role, id, window, outcome),
      (error: unknown) => {
        window.end(id, false);
        throw error;
      },
    );
  }

  /** Acknowledges a delivery its handlers are done with (or requeues it), and remembers a handled id. */
  #settle(delivery: Delivery, role: QueueRole, id: string, window: DedupWindow, outcome: RunOutcome): void {
    // A dead-lettered event is not remembered: an operator who replays it (remit dead replay) means
    // it to be handled again, under the same id. Nor is a delayed one, which comes back.
    window.end(id, outcome === 'handled');
    if (outcome === 'abandoned') return;
    if (outcome === 'kept') {
      delivery.requeue();
      return;
    }
    delivery.ack();
    if (role.kind === 'broadcast') this.#deps.acks.send(delivery.message, outcome === 'handled' ? 'handled' : 'failed');
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
