import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ValidationError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { BusStats } from '../bus-state.js';
import type { EventCounters } from '../metrics/event-metrics.js';
import type { Observers } from '../observe/observers.js';
import { issuesHeader } from '../schemas/schema-issues.js';
import { runSchema, type SchemaLookup } from '../schemas/schema-validation.js';
import type { Tracing } from '../tracing/tracing.js';
import type { WireMessage } from '../transport.js';
import type { DecodedEvent } from '../wire/envelope.js';
import type { DeadLetters } from './dead-letters.js';
import type { FailureSettlement, Handling } from './failure-settlement.js';
import { callHandler, type CallHooks, type CallResult, type HandlerFailure } from './handler-call.js';
import type { HandlerEntry } from './handler-registry.js';

/**
 * How handling an event ended: handled, dead-lettered, sent to a delay queue for a later try,
 * kept for a redelivery (storing its dead letter failed), or abandoned (never run: the bus is
 * closing an ordered group; the broker gives it to the instance that takes over).
 */
export type RunOutcome = 'handled' | 'dead-lettered' | 'delayed' | 'kept' | 'abandoned';

export interface HandlerRunnerDeps {
  /** Payloads of these events are checked before handlers run; null: none are. */
  schemas: SchemaLookup;
  stats: BusStats;
  reporter: FailureReporter;
  deadLetters: DeadLetters;
  /** Failed handlers: a delayed retry, or the dead-letter queue. */
  failures: FailureSettlement;
  /** Spans around handlers; undefined when tracing is off. */
  tracing?: Tracing | undefined;
  /** Hear every handler run, when the bus is observed (`bus.observe()`). */
  observers: Observers;
}

/**
 * Runs one event's handlers: its schema first, then every handler through its policy, then what
 * still fails is settled (a delayed retry or a dead letter). The dispatcher runs it for deliveries,
 * the publisher for this instance's own handlers of a local publish. Synchronous handlers that
 * succeed are run without a promise.
 */
export class HandlerRunner {
  readonly #deps: HandlerRunnerDeps;
  readonly #hooks: CallHooks;

  constructor(deps: HandlerRunnerDeps) {
    this.#deps = deps;
    this.#hooks = {
      retrying: (handler, event, counters, error, attempt) => {
        deps.stats.retried++;
        counters.retried++;
        deps.reporter.retrying(event, handler.label, attempt, error);
      },
    };
  }

  /**
   * Runs handlers for one event, first checking its payload against the event's schema, if it
   * has one (an invalid event is dead-lettered instead). `counters`: the event's, which the caller
   * already looked up. `retryQueue`: where a delayed retry goes back to (the consumed queue, or the
   * broadcast queue for this instance's own local handlers). A promise only while work is left.
   */
  run(
    handlers: HandlerEntry[],
    event: DecodedEvent,
    message: WireMessage,
    queue: string,
    counters: EventCounters,
    group?: string,
    retryQueue: string = queue,
  ): RunOutcome | Promise<RunOutcome> {
    if (handlers.length === 0) return 'handled';
    const deps = this.#deps;
    const tracing = deps.tracing;
    // One object carries the event through the run, and on to failure settlement.
    const handling: Handling = { event, message, queue, retryQueue, counters, span: undefined };
    const running = tracing?.enabled
      ? tracing.process(event, message, queue, group, async (span) => {
          handling.span = span;
          return this.#run(handlers, handling);
        })
      : this.#run(handlers, handling);
    if (deps.observers.active) deps.observers.emit({ kind: 'handle', event, queue, done: Promise.resolve(running) });
    return running;
  }

  #run(handlers: HandlerEntry[], handling: Handling): RunOutcome | Promise<RunOutcome> {
    const schema = this.#deps.schemas?.get(handling.event.name);
    return schema === undefined ? this.#call(handlers, handling) : this.#validated(schema, handlers, handling);
  }

  /** Checks the payload against its schema first: handlers get what the schema made of it (transforms and defaults applied). */
  async #validated(schema: StandardSchemaV1, handlers: HandlerEntry[], handling: Handling): Promise<RunOutcome> {
    const result = await runSchema(schema, handling.event.payload);
    if (result.issues) return this.#rejectInvalid(result.issues, handling);
    handling.event = { ...handling.event, payload: result.value };
    return this.#call(handlers, handling);
  }

  #call(handlers: HandlerEntry[], handling: Handling): RunOutcome | Promise<RunOutcome> {
    const { event, counters } = handling;
    const [only] = handlers;
    if (handlers.length === 1 && only) {
      // One handler is the common case: called directly, without Promise.all's arrays and wrappers.
      const called = callHandler(only, event, counters, this.#hooks);
      if (called instanceof Promise) return called.then((result) => this.#outcome([result], handling));
      // Handled at once: nothing to settle.
      if (called === null) return this.#handled(counters);
      return this.#outcome([called], handling);
    }
    return Promise.all(handlers.map((handler) => callHandler(handler, event, counters, this.#hooks))).then((results) => this.#outcome(results, handling));
  }

  /** How an event's handler calls ended, as a whole; failures are settled (a delayed retry or a dead letter). */
  #outcome(results: CallResult[], handling: Handling): RunOutcome | Promise<RunOutcome> {
    const failures: HandlerFailure[] = [];
    let abandoned = false;
    for (const result of results) {
      if (result === 'abandoned') abandoned = true;
      else if (result) failures.push(result);
    }
    // Some handlers of an ordered group never ran: the whole event goes to the next instance.
    if (abandoned) return 'abandoned';
    if (failures.length === 0) return this.#handled(handling.counters);
    return this.#deps.failures.settle(failures, handling);
  }

  #handled(counters: EventCounters): RunOutcome {
    this.#deps.stats.handled++;
    counters.handled++;
    return 'handled';
  }

  /** An event that fails its schema is dead-lettered at once: retrying cannot make it valid. */
  async #rejectInvalid(issues: ValidationError['issues'], { event, message, queue, counters, span }: Handling): Promise<RunOutcome> {
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
}
