import type { LoggerService } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { ConfigError, type Unsubscribe } from '@remit/core';
import { bridge } from '@remit/emitter';
import type { EventBus } from './event-bus.js';

/**
 * Connects `@nestjs/event-emitter`'s EventEmitter2 to the bus:
 *
 * - `events` go both ways through `@remit/emitter`'s `bridge` (a local emit is published; another
 *   instance's event is emitted here; nothing loops).
 * - Any other event published by another instance is emitted here too when a listener (an
 *   `@OnEvent` handler) waits for its name, so existing handlers hear remote events without a list.
 *
 * Like the bridge, it skips this instance's own publishes: those began on this emitter, or were
 * published with `EventBus.publish`, which runs `@OnRemoteEvent` handlers, not `@OnEvent` ones.
 * Returns what undoes it all.
 */
export async function bridgeEventEmitter(
  moduleRef: ModuleRef,
  bus: EventBus,
  events: readonly string[],
  logger: LoggerService,
): Promise<Unsubscribe> {
  const emitter = await findEventEmitter(moduleRef);
  const listed = new Set(events);
  const removals: Unsubscribe[] = [];
  if (events.length > 0) {
    removals.push(
      bridge(emitter, bus, {
        events,
        onError: (error, event) => logger.warn(`Could not publish "${event}" from EventEmitter2: ${error.message}`),
      }),
    );
  }
  removals.push(
    bus.onAny(function remoteEventToOnEvent(name, payload, meta) {
      if (listed.has(name) || meta.instance === bus.instanceId) return;
      if (emitter.listenerCount(name) === 0) return;
      emitter.emit(name, payload, meta);
    }),
  );
  return () => {
    for (const remove of removals.splice(0)) remove();
  };
}

/**
 * Loaded only when `eventEmitter` is on, so an application without @nestjs/event-emitter can use
 * the rest of this package.
 */
async function findEventEmitter(moduleRef: ModuleRef): Promise<EventEmitter2> {
  let EventEmitter2Class: typeof EventEmitter2;
  try {
    ({ EventEmitter2: EventEmitter2Class } = await import('@nestjs/event-emitter'));
  } catch (cause) {
    throw new ConfigError('eventEmitter', 'is on, but @nestjs/event-emitter could not be loaded. Install it, or turn the option off.', {
      cause,
    });
  }
  try {
    return moduleRef.get(EventEmitter2Class, { strict: false });
  } catch (cause) {
    throw new ConfigError(
      'eventEmitter',
      'is on, but the application has no EventEmitter2. Add EventEmitterModule.forRoot() to your application module imports.',
      { cause },
    );
  }
}
