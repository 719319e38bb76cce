import { type Bus, ConfigError, type EventName, type PayloadMap, type PublishOptions, type RequestMap, type RequestShape } from '@remit/core';
import { BusWatch } from './bus-watch.js';
import { type HarnessOptions, type NormalizedHarnessOptions, normalizeHarnessOptions, timeoutOption } from './harness-options.js';
import { InFlight } from './in-flight.js';
import { type HarnessBus, SessionRecorder, type TrackedSession } from './tracked-session.js';
import { TrackingTimeoutError } from './tracking-timeout-error.js';

/**
 * The event map of a bus, core's or a wrapper's (Nest's `EventBus` implements `Bus` with a request
 * map of its own, which TypeScript cannot always infer).
 */
type EventsOf<B> = B extends Bus<infer E, RequestMap, PayloadMap<infer E>> ? E : B extends Bus<infer E, never, PayloadMap<infer E>> ? E : never;

/** How long to wait, for one call. */
export interface WaitOptions {
  /** @default the harness's `timeoutMs` (5000) */
  timeoutMs?: number;
}

/** `publish()`'s options, and how long to wait for everything the event causes. */
export interface PublishAndWaitOptions extends PublishOptions, WaitOptions {}

/**
 * Watches a set of buses (on one `memoryBroker()`, or on RabbitMQ) and waits, exactly, for what
 * they do to settle: no sleeping, no polling. See `testHarness()`.
 */
export class TestHarness implements Disposable {
  readonly #options: NormalizedHarnessOptions;
  readonly #inFlight = new InFlight();
  readonly #sessions = new Set<SessionRecorder>();
  readonly #watches: BusWatch[];

  constructor(buses: readonly HarnessBus[], options: NormalizedHarnessOptions) {
    this.#options = options;
    const deps = { inFlight: this.#inFlight, sessions: this.#sessions, receivers: (name: string) => this.#receivers(name) };
    this.#watches = buses.map((bus) => new BusWatch(bus, deps));
  }

  /**
   * Publishes `name` on `bus` (one of the harness's) and resolves once the event, every handler it
   * reached, and everything those handlers published or requested in turn, transitively, has
   * settled; with what happened. Rejects with the publish's error, or with TrackingTimeoutError
   * naming what is still running after `timeoutMs`.
   *
   * @example
   * const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-1' });
   * expect(session.handled.map((handling) => handling.name)).toContain('invoice.created');
   */
  publishAndWait<B extends HarnessBus, K extends EventName<EventsOf<B>>>(
    bus: B,
    name: K,
    payload: EventsOf<B>[K],
    options?: PublishAndWaitOptions,
  ): Promise<TrackedSession>;
  publishAndWait<E extends object, R extends RequestShape<R>, P extends PayloadMap<E>, K extends EventName<E>>(
    bus: Bus<E, R, P>,
    name: K,
    payload: P[K],
    options?: PublishAndWaitOptions,
  ): Promise<TrackedSession>;
  publishAndWait(bus: HarnessBus & Pick<Bus, 'publish'>, name: string, payload: unknown, options: PublishAndWaitOptions = {}): Promise<TrackedSession> {
    const { timeoutMs, ...publishOptions } = options;
    this.#watchOf(bus);
    const what = `publishAndWait("${name}")`;
    return this.#settle(what, timeoutOption('timeoutMs', timeoutMs, this.#options.timeoutMs), async () => {
      // Queues whose consumers are still being set up (a handler added just now) get the event too.
      await Promise.all(this.#watches.flatMap((watch) => watch.observation.receivers(name).map((receiver) => receiver.ready)));
      await bus.publish(name, payload, publishOptions);
    });
  }

  /**
   * Runs `action` (a publish, a request, an HTTP call to your app …) and resolves once it and
   * everything the harness's buses did meanwhile has settled, with what happened and what `action`
   * returned.
   *
   * @example
   * const { result, requested } = await h.track(() => fetch(`${url}/quote`, { method: 'POST', body }));
   */
  async track<T>(action: () => T | Promise<T>, options: WaitOptions = {}): Promise<TrackedSession & { result: Awaited<T> }> {
    let result: Awaited<T> | undefined;
    const session = await this.#settle('track()', timeoutOption('timeoutMs', options.timeoutMs, this.#options.timeoutMs), async () => {
      result = await action();
    });
    return { ...session, result: result as Awaited<T> };
  }

  /** Resolves once nothing the harness's buses started is running or on its way. */
  async idle(options: WaitOptions = {}): Promise<void> {
    await this.#settle('idle()', timeoutOption('timeoutMs', options.timeoutMs, this.#options.timeoutMs), () => undefined);
  }

  /** Stops watching the buses (it does not close them). Calling it twice is harmless. */
  close(): void {
    for (const watch of this.#watches) watch.observation.stop();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  async #settle(what: string, timeoutMs: number, action: () => unknown): Promise<TrackedSession> {
    const session = new SessionRecorder();
    this.#sessions.add(session);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new TrackingTimeoutError(what, timeoutMs, this.#inFlight.describe(), session.result())), timeoutMs);
    });
    let quiet: ReturnType<InFlight['whenQuiet']> | undefined;
    try {
      const acting = Promise.resolve().then(action);
      // Should the time run out first, the action may still reject later: that is no longer news.
      acting.catch(() => {});
      await Promise.race([acting, timedOut]);
      quiet = this.#inFlight.whenQuiet();
      await Promise.race([quiet.promise, timedOut]);
      return session.result();
    } finally {
      clearTimeout(timer);
      quiet?.cancel();
      this.#sessions.delete(session);
    }
  }

  /** Every queue of the harness's buses that an event named `name` reaches now (a group's queue once). */
  #receivers(name: string): string[] {
    return [...new Set(this.#watches.flatMap((watch) => watch.observation.receivers(name).map((receiver) => receiver.queue)))];
  }

  #watchOf(bus: HarnessBus): BusWatch {
    // The same bus, or a wrapper of it (Nest's EventBus) given on one side and not the other.
    const watch =
      this.#watches.find((candidate) => candidate.bus === bus) ??
      this.#watches.find((candidate) => candidate.bus.instanceId === bus.instanceId && candidate.bus.service === bus.service);
    if (!watch) {
      throw new ConfigError('bus', `${bus.service}/${bus.instanceId} is not one of this harness's buses; pass it to testHarness([…]).`);
    }
    return watch;
  }
}

/**
 * A test harness for `buses`: `publishAndWait` publishes an event and waits for everything it
 * caused, `track` does the same for any action, `idle` waits for quiet. Buses may be created,
 * given handlers and started before or after the harness; it observes them through
 * `bus.observe()`, which costs nothing once the harness is closed.
 *
 * @example
 * const h = testHarness([shop, billing]);
 * const session = await h.publishAndWait(shop, 'order.placed', { id: 'o-1', cents: 1250 });
 * expect(session.published.map((event) => event.name)).toEqual(['order.placed', 'invoice.created']);
 */
export function testHarness(buses: HarnessBus | readonly HarnessBus[], options: HarnessOptions = {}): TestHarness {
  const list: readonly unknown[] = Array.isArray(buses) ? buses : [buses];
  if (list.length === 0) throw new ConfigError('buses', 'expected at least one bus.');
  const checked = list.map((bus, index) => {
    if (typeof bus !== 'object' || bus === null || typeof Reflect.get(bus, 'observe') !== 'function') {
      throw new ConfigError(`buses[${index}]`, 'expected a bus from createBus() (or an EventBus), which has observe().');
    }
    return bus as HarnessBus;
  });
  return new TestHarness(checked, normalizeHarnessOptions(options));
}
