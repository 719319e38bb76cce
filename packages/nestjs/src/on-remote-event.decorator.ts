import type { EventMap, EventMeta, EventName, SubscribeOptions } from '@remit/core';

/**
 * Options of `@OnRemoteEvent`: the same as `bus.on()`'s. `group` for competing delivery, and the
 * handler policies: `retry` (with broker-side `delays` and `retryIf`), `concurrency`, `orderBy`,
 * `circuitBreaker`, and a `name` (default `Class.method`).
 */
export type OnRemoteEventOptions<P = unknown> = SubscribeOptions<P>;

/** What `@OnRemoteEvent` records on a method. */
export interface RemoteEventHandlerMetadata {
  readonly event: string;
  readonly options: OnRemoteEventOptions;
}

/** The method `@OnRemoteEvent(name)` may decorate: called with the payload and the event's meta. */
export type RemoteEventMethod<P> = (payload: P, meta: EventMeta) => unknown;

/**
 * Reflect-metadata key on the decorated method. A string (not a Symbol or a generated key), so
 * the ESM and the CommonJS build of this package agree on it.
 */
export const REMOTE_EVENT_METADATA = 'remit:on-remote-event';

/**
 * Runs the decorated provider method for every `name` event published on the bus, with `this`
 * bound to the provider and `(payload, meta)` as arguments. Handlers are found at application
 * bootstrap; the bus starts consuming once all are registered. The provider must be a singleton
 * (default scope): a request-scoped or transient one makes bootstrap fail with a ConfigError.
 * A method may carry several `@OnRemoteEvent`.
 *
 * For compile-time checks of names and payloads, use `createOnRemoteEvent<Events>()`.
 *
 * @example
 * @Injectable()
 * export class Mailer {
 *   @OnRemoteEvent('user.created', { group: true })
 *   async welcome(user: { email: string }, meta: EventMeta) { ... }
 * }
 */
export function OnRemoteEvent(
  name: string,
  options: OnRemoteEventOptions = {},
): <T extends RemoteEventMethod<never>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => void {
  return function onRemoteEvent(_target, _key, descriptor) {
    const method = descriptor.value;
    if (typeof method !== 'function') return;
    const existing = readRemoteEventMetadata(method);
    const entry: RemoteEventHandlerMetadata = { event: name, options: { ...options } };
    // Decorators apply bottom-up; prepending keeps the entries in the order they are written.
    Reflect.defineMetadata(REMOTE_EVENT_METADATA, [entry, ...existing], method);
  };
}

/**
 * `@OnRemoteEvent` typed by your event map: the name must be one of its keys, and the method's
 * first parameter must accept that event's payload.
 *
 * @example
 * type Events = { 'user.created': { id: string; email: string } };
 * const OnEvents = createOnRemoteEvent<Events>();
 * class Mailer {
 *   @OnEvents('user.created') welcome(user: { email: string }) {}   // checked against Events
 * }
 */
export function createOnRemoteEvent<E extends object = EventMap>(): <K extends EventName<E>>(
  name: K,
  options?: OnRemoteEventOptions<E[K]>,
) => <T extends RemoteEventMethod<E[K]>>(target: object, key: string | symbol, descriptor: TypedPropertyDescriptor<T>) => void {
  return (name, options) => OnRemoteEvent(name, options as OnRemoteEventOptions | undefined);
}

/** The `@OnRemoteEvent` entries of a method, in the order they were declared. */
export function readRemoteEventMetadata(method: unknown): readonly RemoteEventHandlerMetadata[] {
  if (typeof method !== 'function') return [];
  const value: unknown = Reflect.getMetadata(REMOTE_EVENT_METADATA, method);
  return Array.isArray(value) ? (value as RemoteEventHandlerMetadata[]) : [];
}
