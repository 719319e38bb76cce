import type { Bus, PayloadMap, EventName, RequestMap, RequestShape } from '@remit/core';
import { bridge, type EmitterLike, type Unbridge } from '@remit/emitter';
import express, { type Application, type Express, type NextFunction, type Request, type Response } from 'express';
import type { RegisteredEvents, RegisteredRequests } from './request-bus.js';
import { eventNames, optionalFunction, rejectUnknownKeys, requireBus, requireRecord } from './option-checks.js';

/** Options of `remit(bus, options)`. */
export interface RemitOptions<E extends object> {
  /**
   * App events carried across instances: `app.emit(name, payload)` here is published, and an event
   * published by another instance is emitted on this app as `app.emit(name, payload, meta)`.
   * @default [] (no bridge; the middleware only sets `req.bus`)
   */
  events?: readonly EventName<E>[];
  /**
   * Hears an `app.emit` whose publish failed (bus closed, broker unreachable past
   * `publishTimeoutMs`, full outbox); `emit` is synchronous and cannot reject.
   * @default a process warning naming the event
   */
  onError?: (error: Error, event: EventName<E>) => void;
}

/** What `remit()` returns: a small Express sub-application to `app.use()`. */
export interface RemitMiddleware<E extends object, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>
  extends Express {
  /** The bus given to `remit()`, also set on every request as `req.bus`. */
  readonly bus: Bus<E, R, P>;
  /**
   * Stops carrying app events (both ways) on every app this middleware is mounted on. `req.bus`
   * stays set. It does not close the bus. Calling it twice is harmless.
   */
  unbridge(): void;
}

/**
 * Express middleware that puts `bus` on every request as `req.bus` and carries the listed app
 * events between this app and every other instance on the bus.
 *
 * The bridge is live as soon as `app.use(remit(...))` has run: the middleware is a sub-application,
 * and Express tells it which app it was mounted on. Mount it on the application, not on a Router
 * (a Router has no events). The bus is yours: `await bus.start()` before `app.listen()`, and
 * `await bus.close()` on shutdown.
 *
 * @example
 * app.use(remit(bus, { events: ['user.created'] }));
 * app.addListener('user.created', (user, meta) => console.log('from', meta?.instance ?? 'here', user.id)); // or app.on in JavaScript
 * app.post('/users', async (req, res) => {
 *   req.app.emit('user.created', req.body); // heard by app.on in every instance
 *   await req.bus.publish('audit.logged', { what: 'user' }); // or publish directly, awaiting the broker
 *   res.sendStatus(201);
 * });
 */
export function remit<E extends object, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>(
  bus: Bus<E, R, P>,
  options: RemitOptions<E> = {},
): RemitMiddleware<E, R, P> {
  requireBus(bus);
  const { events, onError } = normalizeRemitOptions<E>(options);
  const bridges = new Map<Application, Unbridge>();
  let bridging = events.length > 0;

  const sub = express();
  // The parent app already sent (or chose not to send) this header.
  sub.disable('x-powered-by');
  // Express emits `mount` inside `parent.use(sub)`, so the bridge exists before any request.
  sub.on('mount', (parent: Application) => {
    if (!bridging || bridges.has(parent)) return;
    bridges.set(parent, bridge(parent as EmitterLike, bus, onError ? { events, onError } : { events }));
  });
  // The registered maps and the bus's own maps are the same maps, written twice by the user.
  const requestBus = bus as unknown as Bus<RegisteredEvents, RegisteredRequests>;
  sub.use(function remitRequestBus(req: Request, _res: Response, next: NextFunction): void {
    req.bus = requestBus;
    next();
  });

  return Object.assign(sub, {
    bus,
    unbridge(): void {
      bridging = false;
      for (const unbridge of bridges.values()) unbridge();
      bridges.clear();
    },
  });
}

function normalizeRemitOptions<E extends object>(options: unknown): {
  events: EventName<E>[];
  onError: RemitOptions<E>['onError'];
} {
  const record = requireRecord('options', options);
  rejectUnknownKeys(record, ['events', 'onError']);
  return {
    events: record.events === undefined ? [] : eventNames<E>('events', record.events),
    onError: optionalFunction<RemitOptions<E>['onError']>('onError', record.onError),
  };
}
