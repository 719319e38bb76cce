import type { BusActivity, FailureReport, ObservedMessage, Observation } from '@remit/core';
import type { InFlight } from './in-flight.js';
import type { HarnessBus, SessionRecorder, TrackedMessage } from './tracked-session.js';

export interface BusWatchDeps {
  inFlight: InFlight;
  /** The sessions being recorded now; each hears everything. */
  sessions: ReadonlySet<SessionRecorder>;
  /** The queues of every bus of the harness that an event named `name`, sent now, reaches. */
  receivers(name: string): string[];
}

/** A short form of an event id, for messages. */
function short(id: string): string {
  return id.slice(0, 8);
}

/**
 * One bus of a harness: turns what the bus reports (`bus.observe()`) into work in flight, expected
 * deliveries and the records of every open session.
 */
export class BusWatch {
  readonly bus: HarnessBus;
  readonly observation: Observation;
  readonly #deps: BusWatchDeps;
  readonly #label: string;
  /** Events and requests whose handlers run on this bus now, by id: failures and dead letters carry only the id. */
  readonly #handling = new Map<string, { message: ObservedMessage; runs: number }>();

  constructor(bus: HarnessBus, deps: BusWatchDeps) {
    this.bus = bus;
    this.#deps = deps;
    this.#label = `${bus.service}/${bus.instanceId}`;
    this.observation = bus.observe((activity) => this.#on(activity));
  }

  #on(activity: BusActivity): void {
    const { inFlight } = this.#deps;
    switch (activity.kind) {
      case 'publish':
        inFlight.begin(`publish("${activity.name}") on ${this.#label}, waiting for the broker's confirm`, activity.done);
        return;
      case 'send': {
        const { event } = activity;
        const { id } = event.meta;
        this.#record((session) => session.published, { ...event, bus: this.bus });
        for (const queue of this.#deps.receivers(event.name)) {
          inFlight.expect(id, queue, `"${event.name}" (${short(id)}) from ${this.#label} to queue ${queue}`);
        }
        inFlight.begin(`"${event.name}" (${short(id)}) sent by ${this.#label}, waiting for the broker's confirm`, activity.done, (outcome) => {
          if (!outcome.ok) inFlight.cancel(id);
        });
        return;
      }
      case 'delivery': {
        const { id, name, queue } = activity;
        inFlight.begin(`delivery of "${name}" (${short(id)}) from queue ${queue} on ${this.#label}`, activity.done, (outcome) => {
          if (!outcome.ok) return;
          // Requeued, it is bound to come back: expected again, whoever published it.
          if (outcome.value) inFlight.arrived(id, queue);
          else inFlight.expect(id, queue, `"${name}" (${short(id)}), requeued, to queue ${queue}`);
        });
        return;
      }
      case 'handle': {
        const { event, queue } = activity;
        this.#running(event, +1);
        inFlight.begin(`handlers of "${event.name}" (${short(event.meta.id)}) on ${this.#label}, from queue ${queue}`, activity.done, (outcome) => {
          this.#running(event, -1);
          if (outcome.ok && outcome.value === 'handled') this.#record((session) => session.handled, { ...event, queue, bus: this.bus });
        });
        return;
      }
      case 'request': {
        const { request } = activity;
        inFlight.begin(`request("${request.name}") from ${this.#label}, waiting for its reply`, activity.done, (outcome) => {
          const result = outcome.ok ? { reply: outcome.value, error: undefined } : { reply: undefined, error: toError(outcome.error) };
          this.#record((session) => session.requested, { ...request, ...result, bus: this.bus });
        });
        return;
      }
      case 'serve': {
        const { request } = activity;
        this.#running(request, +1);
        inFlight.begin(`request handler of "${request.name}" (${short(request.meta.id)}) on ${this.#label}`, activity.done, () =>
          this.#running(request, -1),
        );
        return;
      }
      case 'dead-letter': {
        const running = this.#handling.get(activity.meta.id)?.message;
        const { reason, error, queue, handler } = activity;
        const meta = running?.meta ?? activity.meta;
        this.#record((session) => session.deadLettered, { name: activity.name, payload: running?.payload, meta, reason, error, queue, handler, bus: this.bus });
        return;
      }
      case 'failure': {
        // A request handler that throws at once is reported before its `serve` is: the record waits
        // a microtask for it. Its run stays in flight until after that, so no session closes meanwhile.
        const { report } = activity;
        queueMicrotask(() => this.#failure(report));
        return;
      }
    }
  }

  #failure(report: FailureReport): void {
    if (report.kind !== 'handler' && report.kind !== 'request') return;
    // Reported while the handler's run is still in flight, so its event is known here.
    const running = report.id === undefined ? undefined : this.#handling.get(report.id)?.message;
    if (!running) return;
    const { kind, error, handler, attempts } = report;
    this.#record((session) => session.failed, { ...running, kind, error, handler, attempts, bus: this.bus });
  }

  #running(message: ObservedMessage, change: 1 | -1): void {
    const { id } = message.meta;
    const entry = this.#handling.get(id);
    const runs = (entry?.runs ?? 0) + change;
    if (runs <= 0) this.#handling.delete(id);
    else this.#handling.set(id, { message, runs });
  }

  /** Adds a record to one list of every session being recorded. */
  #record<T extends TrackedMessage>(list: (session: SessionRecorder) => T[], record: T): void {
    for (const session of this.#deps.sessions) list(session).push(record);
  }
}

function toError(value: unknown): Error {
  return value instanceof Error ? value : new Error(String(value));
}
