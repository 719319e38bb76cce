import { checkEventName, groupName, rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ClosedError, ConfigError } from '../errors.js';
import type { BusLifecycle } from '../lifecycle/bus-lifecycle.js';
import type { EventMeta, SubscribeOptions, Unsubscribe } from '../types.js';
import type { BroadcastConsumer } from './broadcast-consumer.js';
import type { GroupConsumers } from './group-consumers.js';
import { type HandlerEntry, type HandlerRegistry, handlerLabel } from './handler-registry.js';

export interface SubscriptionsDeps {
  service: string;
  registry: HandlerRegistry;
  /** A handler of a new group added while consuming starts its consumer; the last one leaving stops it. */
  groups: Pick<GroupConsumers, 'ensure' | 'releaseIdle'>;
  /** A broadcast or catch-all handler added while consuming may need the broadcast queue consumed. */
  broadcast: Pick<BroadcastConsumer, 'late'>;
  lifecycle: Pick<BusLifecycle, 'consuming' | 'started' | 'shuttingDown'>;
}

type AnyHandler = (name: string, payload: unknown, meta: EventMeta) => unknown;

/** `on`, `once`, `off`, `onAny`, `offAny`: argument checks, the registry, and consumers to start or stop. */
export class Subscriptions {
  readonly #deps: SubscriptionsDeps;

  constructor(deps: SubscriptionsDeps) {
    this.#deps = deps;
  }

  add(name: string, handler: (payload: never, meta: EventMeta) => unknown, options: SubscribeOptions | undefined, once: boolean): Unsubscribe {
    const deps = this.#deps;
    if (deps.lifecycle.shuttingDown) throw new ClosedError();
    checkEventName(name);
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    if (options !== undefined) rejectUnknownKeys('', requireRecord('options', options), ['group']);
    const group = groupName(deps.service, options?.group);
    const entry: HandlerEntry = {
      fn: handler,
      label: handlerLabel(handler, `${name} handler`),
      once,
      run: (payload, meta) => handler(payload as never, meta),
    };
    if (group === null) {
      const remove = deps.registry.addBroadcast(name, entry);
      if (deps.lifecycle.consuming) void deps.broadcast.late();
      return remove;
    }
    const remove = deps.registry.addGroup(group, name, entry);
    // ensure() is idempotent, so a handler added while start() is running is not missed.
    if (deps.lifecycle.consuming) void deps.groups.ensure(group);
    return () => {
      remove();
      if (deps.lifecycle.started) deps.groups.releaseIdle();
    };
  }

  remove(name: string, handler: HandlerEntry['fn'] | undefined): void {
    this.#deps.registry.remove(name, handler);
    if (this.#deps.lifecycle.started) this.#deps.groups.releaseIdle();
  }

  /** `handler` is what the user passed (`offAny` finds it); `call` runs it for one event. */
  addAny(handler: HandlerEntry['fn'], call: AnyHandler): Unsubscribe {
    if (this.#deps.lifecycle.shuttingDown) throw new ClosedError();
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    const entry: HandlerEntry = {
      fn: handler,
      label: handlerLabel(handler, 'onAny'),
      once: false,
      run: (payload, meta) => call(meta.name, payload, meta),
    };
    const remove = this.#deps.registry.addAny(entry);
    if (this.#deps.lifecycle.consuming) void this.#deps.broadcast.late();
    return remove;
  }

  removeAny(handler: HandlerEntry['fn'] | undefined): void {
    this.#deps.registry.removeAny(handler);
  }
}
