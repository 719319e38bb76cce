import type { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { ConfigError, type EventMeta, type SubscribeOptions } from '@remit/core';
import { readRemoteEventMetadata } from './on-remote-event.decorator.js';

/** Nest's InstanceWrapper, named through DiscoveryService's public signature rather than a deep import. */
type InstanceWrapper = ReturnType<DiscoveryService['getProviders']>[number];

/** One `@OnRemoteEvent` method of one provider instance, ready for `bus.on`. */
export interface RemoteEventHandler {
  readonly event: string;
  readonly subscribe: SubscribeOptions | undefined;
  /** `Class.method`: the handler's name in logs and dead-letter headers. */
  readonly label: string;
  readonly run: (payload: unknown, meta: EventMeta) => unknown;
}

/**
 * Walks every provider and controller for `@OnRemoteEvent` methods, the way @nestjs/event-emitter
 * finds `@OnEvent`. Throws ConfigError for a handler on a request-scoped or transient provider:
 * such a provider has no single instance to call, and a handler that silently never ran would
 * lose events.
 */
export function discoverRemoteEventHandlers(discovery: DiscoveryService, scanner: MetadataScanner): RemoteEventHandler[] {
  const handlers: RemoteEventHandler[] = [];
  const wrappers = [...discovery.getProviders(), ...discovery.getControllers()];
  for (const wrapper of wrappers) {
    if (wrapper.isAlias) continue;
    const instance: unknown = wrapper.instance;
    const prototype = prototypeOf(instance) ?? classPrototype(wrapper.metatype);
    if (!prototype) continue;
    for (const method of scanner.getAllMethodNames(prototype)) {
      const fn: unknown = Reflect.get(prototype, method);
      const entries = readRemoteEventMetadata(fn);
      if (entries.length === 0 || typeof fn !== 'function') continue;
      const label = `${className(wrapper)}.${method}`;
      if (!isSingleton(wrapper) || typeof instance !== 'object' || instance === null) {
        throw new ConfigError(
          `@OnRemoteEvent on ${label}`,
          `${className(wrapper)} is request-scoped or transient (or depends on such a provider), so there is no single ` +
            'instance to run remote events on. Put the handler on a default-scope (singleton) provider; it can reach ' +
            'scoped providers through ModuleRef.resolve() if it must.',
        );
      }
      for (const { event, options } of entries) {
        handlers.push({
          event,
          subscribe: Object.keys(options).length === 0 ? undefined : options,
          label,
          run: named(label, (payload, meta) => Reflect.apply(fn, instance, [payload, meta])),
        });
      }
    }
  }
  return handlers;
}

function isSingleton(wrapper: InstanceWrapper): boolean {
  return !wrapper.isTransient && wrapper.isDependencyTreeStatic();
}

function prototypeOf(value: unknown): object | null {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return null;
  const prototype: unknown = Object.getPrototypeOf(value);
  return typeof prototype === 'object' && prototype !== null && prototype !== Object.prototype ? prototype : null;
}

function classPrototype(metatype: unknown): object | null {
  if (typeof metatype !== 'function') return null;
  const prototype: unknown = metatype.prototype;
  return typeof prototype === 'object' && prototype !== null ? prototype : null;
}

function className(wrapper: InstanceWrapper): string {
  return typeof wrapper.metatype === 'function' && wrapper.metatype.name ? wrapper.metatype.name : String(wrapper.name);
}

/** Gives the handler a name, which the bus reports in logs and dead-letter headers. */
function named<T extends (...args: never[]) => unknown>(name: string, fn: T): T {
  Object.defineProperty(fn, 'name', { value: name });
  return fn;
}
