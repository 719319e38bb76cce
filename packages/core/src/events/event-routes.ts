import { toError } from '../errors.js';
import type { FailureReporter } from '../failure-reporter.js';
import type { QueueRef, Transport } from '../transport.js';
import { groupQueueName } from './group-consumers.js';
import { topicMatches } from './topic-patterns.js';
import type { HandlerRegistry } from './handler-registry.js';

export interface EventRoutesDeps {
  registry: Pick<HandlerRegistry, 'broadcastNames' | 'hasCatchAll' | 'groups' | 'groupNames'>;
  transport: Pick<Transport, 'route' | 'routing'>;
  /** This instance's broadcast queue. */
  broadcastQueue: string;
  reporter: FailureReporter;
  /** The transport's namespace for shared queue names (group-consumers.ts). */
  namespace?: string | undefined;
}

/** Everything: `onAny`, or a handler for `#`. */
const ALL = '#';

/**
 * Under topic routing, keeps the bindings of this instance's queues in line with its handlers: the
 * broadcast queue is bound to each name and pattern a broadcast handler was registered for (`#` for
 * `onAny`), each group queue to its group's names and patterns. Handlers added or removed after
 * `start()` bind or unbind at once; a burst of `on()` calls makes one pass.
 *
 * A group queue's bindings are only ever added: the group's other instances share the queue and may
 * still handle a name this instance no longer does, so unbinding it here would silently take those
 * events from them. (An operator removes a binding nobody needs any more; docs/scaling.md.)
 * Under fanout routing every queue receives every event, and this does nothing.
 */
export class EventRoutes {
  readonly #deps: EventRoutesDeps;
  /** What each queue was last given, so an unchanged queue costs no round trip. */
  readonly #sent = new Map<string, string>();
  /** Every key each group queue was bound with. */
  readonly #groupKeys = new Map<string, Set<string>>();
  readonly #onChange = new Set<() => void>();
  #pass: Promise<void> | null = null;

  constructor(deps: EventRoutesDeps) {
    this.#deps = deps;
  }

  /** Whether queues are bound by event name (topic routing). */
  get topic(): boolean {
    return this.#deps.transport.routing === 'topic' && this.#deps.transport.route !== undefined;
  }

  /** The names and patterns this instance's broadcast queue is bound with; undefined under fanout routing. */
  broadcastKeys(): string[] | undefined {
    if (!this.topic) return undefined;
    const { registry } = this.#deps;
    const keys = registry.broadcastNames();
    return registry.hasCatchAll() || keys.includes(ALL) ? [ALL] : keys.sort();
  }

  /**
   * Whether an event named `name` reaches `queue`, one of this instance's queues: always under
   * fanout routing; under topic routing when a key the queue is bound with matches it.
   */
  reaches(queue: string, name: string): boolean {
    if (!this.topic) return true;
    const keys = this.#sent.get(queue);
    return keys !== undefined && keys.split('\n').some((key) => topicMatches(key, name));
  }

  /** Hears the broadcast queue's bindings change, once the broker has them. */
  onChange(listener: () => void): void {
    this.#onChange.add(listener);
  }

  /**
   * Brings the bindings in line with the handlers registered now (before `start()`, the transport
   * keeps them for the declare). Resolves once the broker has them; failures are reported.
   */
  sync(): Promise<void> {
    if (!this.topic) return Promise.resolve();
    this.#pass ??= Promise.resolve().then(() => {
      this.#pass = null;
      return this.#apply();
    });
    return this.#pass;
  }

  async #apply(): Promise<void> {
    const { registry, broadcastQueue } = this.#deps;
    const routes: { queue: QueueRef; keys: string[] }[] = [{ queue: { kind: 'broadcast', name: broadcastQueue }, keys: this.broadcastKeys() ?? [] }];
    for (const group of registry.groups()) {
      let keys = this.#groupKeys.get(group);
      if (!keys) this.#groupKeys.set(group, (keys = new Set()));
      for (const name of registry.groupNames(group)) keys.add(name);
      routes.push({ queue: { kind: 'group', name: groupQueueName(group, this.#deps.namespace) }, keys: keys.has(ALL) ? [ALL] : [...keys].sort() });
    }
    const changed = routes.filter(({ queue, keys }) => this.#sent.get(queue.name) !== keys.join('\n'));
    for (const { queue, keys } of changed) this.#sent.set(queue.name, keys.join('\n'));
    await Promise.all(changed.map((route) => this.#route(route.queue, route.keys)));
    if (changed.some(({ queue }) => queue.kind === 'broadcast')) for (const listener of this.#onChange) listener();
  }

  async #route(queue: QueueRef, keys: string[]): Promise<void> {
    try {
      await this.#deps.transport.route?.(queue, keys);
    } catch (caught) {
      // Sent again on the next change or reconnect (the transport keeps what is wanted).
      this.#sent.delete(queue.name);
      this.#deps.reporter.report({ kind: 'transport', error: toError(caught) });
    }
  }
}
