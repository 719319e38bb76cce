import { checkEventName, groupName, handlerLabel } from './arguments.js';
import { ConfigError } from './errors.js';
import { GroupConsumers } from './group-consumers.js';
import type { HandlerEntry, HandlerRegistry } from './handler-registry.js';
import type { Delivery } from './transport.js';
import type { EventMeta, SubscribeOptions, Unsubscribe } from './types.js';
import { rejectUnknownKeys, requireRecord } from './validate.js';

type Cancel = () => Promise<void>;

export interface SubscriptionsDeps {
  service: string;
  registry: HandlerRegistry;
  /** Declares and consumes `remit.group.<group>`; resolves to a cancel function. */
  consumeGroup(group: string, onDelivery: (delivery: Delivery) => void): Promise<Cancel>;
  onGroupDelivery(group: string, delivery: Delivery): void;
  onError(error: Error): void;
  /** A broadcast or catch-all handler was added while consuming: the broadcast queue may need a consumer. */
  broadcastAdded(): void;
  /** starting or started: a handler of a new group starts its consumer at once. */
  consuming(): boolean;
  /** started: a group left without handlers stops its consumer. */
  started(): boolean;
}

type AnyHandler = (name: string, payload: unknown, meta: EventMeta) => unknown;

/** `on`, `once`, `off`, `onAny`, `offAny`: argument checks, the registry, and group consumers to start or stop. */
export class Subscriptions {
  readonly #deps: SubscriptionsDeps;
  readonly #groups: GroupConsumers;

  constructor(deps: SubscriptionsDeps) {
    this.#deps = deps;
    this.#groups = new GroupConsumers({
      registry: deps.registry,
      consume: deps.consumeGroup,
      onDelivery: deps.onGroupDelivery,
      onError: deps.onError,
    });
  }

  /** Consumes every group that has handlers now; called by start(), after all handlers are known. */
  async startGroups(): Promise<void> {
    await Promise.all(this.#deps.registry.groups().map((group) => this.#groups.ensure(group)));
  }

  /** Stops every group consumer; returns their cancel functions for close() to await. */
  takeGroups(): Promise<(Cancel | null)[]> {
    return this.#groups.takeAll();
  }

  add(name: string, handler: (payload: never, meta: EventMeta) => unknown, options: SubscribeOptions | undefined, once: boolean): Unsubscribe {
    const deps = this.#deps;
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
      if (deps.consuming()) deps.broadcastAdded();
      return remove;
    }
    const remove = deps.registry.addGroup(group, name, entry);
    // ensure() is idempotent, so a handler added while start() is running is not missed.
    if (deps.consuming()) void this.#groups.ensure(group);
    return () => {
      remove();
      if (deps.started()) this.#groups.releaseIdle();
    };
  }

  remove(name: string, handler: HandlerEntry['fn'] | undefined): void {
    this.#deps.registry.remove(name, handler);
    if (this.#deps.started()) this.#groups.releaseIdle();
  }

  /** `handler` is what the user passed (`offAny` finds it); `call` runs it for one event. */
  addAny(handler: HandlerEntry['fn'], call: AnyHandler): Unsubscribe {
    if (typeof handler !== 'function') throw new ConfigError('handler', 'expected a function.');
    const entry: HandlerEntry = {
      fn: handler,
      label: handlerLabel(handler, 'onAny'),
      once: false,
      run: (payload, meta) => call(meta.name, payload, meta),
    };
    const remove = this.#deps.registry.addAny(entry);
    if (this.#deps.consuming()) this.#deps.broadcastAdded();
    return remove;
  }

  removeAny(handler: HandlerEntry['fn'] | undefined): void {
    this.#deps.registry.removeAny(handler);
  }
}
