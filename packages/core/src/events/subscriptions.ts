import { checkEventName } from '../config-checks.js';
import { ClosedError, ConfigError, RemitError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { BusLifecycle } from '../lifecycle/bus-lifecycle.js';
import type { StatusTracker } from '../lifecycle/status-tracker.js';
import { CircuitBreaker } from '../policies/circuit-breaker.js';
import { ConcurrencyLimit } from '../policies/concurrency-limit.js';
import { type HandlerPolicy, plainPolicy } from '../policies/handler-policy.js';
import { KeySerializer } from '../policies/key-serializer.js';
import type { QueueGate } from '../policies/queue-gate.js';
import type { NormalizedRetry } from '../policies/retry-options.js';
import type { EventMeta, Unsubscribe } from '../types.js';
import type { BusStats, HandlerHealth, HandlerStatus } from '../bus-state.js';
import type { BroadcastConsumer } from './broadcast-consumer.js';
import type { EventRoutes } from './event-routes.js';
import type { GroupConsumers } from './group-consumers.js';
import { type HandlerEntry, type HandlerRegistry, handlerLabel } from './handler-registry.js';
import { type NormalizedSubscribeOptions, normalizeSubscribeOptions } from './subscribe-options.js';

export interface SubscriptionsDeps {
  service: string;
  registry: HandlerRegistry;
  /** The bus's `retry`: every handler's default. */
  retry: NormalizedRetry;
  /** A handler of a new group added while consuming starts its consumer; the last one leaving stops it. */
  groups: Pick<GroupConsumers, 'ensure' | 'releaseIdle' | 'gate' | 'consumedUnordered'>;
  /** A broadcast or catch-all handler added while consuming may need the broadcast queue consumed. */
  broadcast: Pick<BroadcastConsumer, 'late' | 'gate'>;
  lifecycle: Pick<BusLifecycle, 'consuming' | 'started' | 'shuttingDown'>;
  /** Hears a handler's circuit breaker pause and resume it. */
  status: Pick<StatusTracker, 'handlerChanged'>;
  stats: BusStats;
  reporter: FailureReporter;
  /** Under topic routing, binds and unbinds queues as handlers come and go. */
  routes: Pick<EventRoutes, 'sync'>;
}

type AnyHandler = (name: string, payload: unknown, meta: EventMeta) => unknown;

/**
 * `on`, `once`, `off`, `onAny`, `offAny`: argument checks, each handler's name and policies
 * (retry, concurrency, order, circuit breaker), the registry, and consumers to start or stop.
 */
export class Subscriptions {
  readonly #deps: SubscriptionsDeps;
  /** The policy of every handler without options: no per-call work beyond the bus's retry. */
  readonly #plain: HandlerPolicy;

  constructor(deps: SubscriptionsDeps) {
    this.#deps = deps;
    this.#plain = plainPolicy(deps.retry);
  }

  add(name: string, handler: (payload: never, meta: EventMeta) => unknown, options: unknown, once: boolean): Unsubscribe {
    const deps = this.#deps;
    if (deps.lifecycle.shuttingDown) throw new ClosedError();
    checkEventName(name);
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    const normalized = normalizeSubscribeOptions(deps.service, options, deps.retry);
    const { group } = normalized;
    if (group !== null && normalized.orderBy !== null && deps.groups.consumedUnordered(group)) {
      throw new ConfigError(
        'orderBy',
        `group "${group}" is already consumed by this instance from a queue without order; register ordered handlers before start(), or use another group.`,
      );
    }
    const label = deps.registry.uniqueLabel(name, normalized.name ?? handlerLabel(handler, `${name} handler`), normalized.name !== null);
    const gate = group === null ? deps.broadcast.gate : deps.groups.gate(group);
    const policy = this.#policy(normalized, { event: name, handler: label, group }, gate);
    const entry: HandlerEntry = { fn: handler, label, once, event: name, group, policy, run: (payload, meta) => handler(payload as never, meta) };
    const retire = () => {
      if (policy.breaker) {
        policy.breaker.stop();
        gate.remove(policy.breaker);
      }
    };
    if (group === null) {
      const remove = deps.registry.addBroadcast(name, entry);
      void deps.routes.sync();
      if (deps.lifecycle.consuming) void deps.broadcast.late();
      return () => {
        remove();
        retire();
        void deps.routes.sync();
      };
    }
    const remove = deps.registry.addGroup(group, name, entry);
    void deps.routes.sync();
    // ensure() is idempotent, so a handler added while start() is running is not missed.
    if (deps.lifecycle.consuming) void deps.groups.ensure(group);
    return () => {
      remove();
      retire();
      if (deps.lifecycle.started) deps.groups.releaseIdle();
    };
  }

  remove(name: string, handler: HandlerEntry['fn'] | undefined): void {
    for (const entry of this.#deps.registry.remove(name, handler)) {
      const breaker = entry.policy.breaker;
      if (!breaker) continue;
      breaker.stop();
      (entry.group === null ? this.#deps.broadcast.gate : this.#deps.groups.gate(entry.group)).remove(breaker);
    }
    void this.#deps.routes.sync();
    if (this.#deps.lifecycle.started) this.#deps.groups.releaseIdle();
  }

  /** `handler` is what the user passed (`offAny` finds it); `call` runs it for one event. */
  addAny(handler: HandlerEntry['fn'], call: AnyHandler): Unsubscribe {
    if (this.#deps.lifecycle.shuttingDown) throw new ClosedError();
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    const entry: HandlerEntry = {
      fn: handler,
      label: this.#deps.registry.uniqueLabel('*', handlerLabel(handler, 'onAny'), false),
      once: false,
      event: '*',
      group: null,
      policy: this.#plain,
      run: (payload, meta) => call(meta.name, payload, meta),
    };
    const remove = this.#deps.registry.addAny(entry);
    void this.#deps.routes.sync();
    if (this.#deps.lifecycle.consuming) void this.#deps.broadcast.late();
    return () => {
      remove();
      void this.#deps.routes.sync();
    };
  }

  removeAny(handler: HandlerEntry['fn'] | undefined): void {
    this.#deps.registry.removeAny(handler);
    void this.#deps.routes.sync();
  }

  /** Every handler, for `health().handlers`. */
  health(): HandlerHealth[] {
    return this.#deps.registry.entries().map((entry) => {
      const breaker = entry.policy.breaker;
      const paused = breaker?.state === 'paused';
      return {
        event: entry.event,
        handler: entry.label,
        group: entry.group,
        status: paused ? 'paused' : 'running',
        pausedUntil: paused ? (breaker?.pausedUntil ?? null) : null,
      };
    });
  }

  #policy(options: NormalizedSubscribeOptions, who: { event: string; handler: string; group: string | null }, gate: QueueGate): HandlerPolicy {
    const { retry, concurrency, orderBy, circuitBreaker } = options;
    if (retry === this.#deps.retry && concurrency === null && orderBy === null && circuitBreaker === null) return this.#plain;
    let breaker: CircuitBreaker | null = null;
    if (circuitBreaker !== null) {
      let previous: HandlerStatus = 'running';
      breaker = new CircuitBreaker(circuitBreaker, (state, pausedUntil) => {
        gate.update();
        const status: HandlerStatus = state === 'paused' ? 'paused' : 'running';
        if (state === 'paused') this.#paused(who, circuitBreaker.pauseMs);
        if (status === previous) return;
        this.#deps.status.handlerChanged({ kind: 'handler', ...who, status, previous, pausedUntil });
        previous = status;
      });
      gate.add(breaker);
    }
    return {
      retry,
      limit: concurrency === null ? null : new ConcurrencyLimit(concurrency),
      orderBy,
      serializer: orderBy === null ? null : new KeySerializer(),
      breaker,
    };
  }

  #paused(who: { event: string; handler: string; group: string | null }, pauseMs: number): void {
    this.#deps.stats.paused++;
    const queue = who.group === null ? 'the broadcast queue' : `group "${who.group}"`;
    const error = new RemitError(
      `Handler ${who.handler} of "${who.event}" kept failing: its circuit breaker paused ${queue} of this instance for ${pauseMs} ms; ` +
        'then one event at a time is let through until one succeeds.',
    );
    this.#deps.reporter.report({ kind: 'circuit-breaker', error, event: who.event, handler: who.handler });
  }
}
