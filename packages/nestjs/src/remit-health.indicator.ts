import { Inject, Injectable } from '@nestjs/common';
import type { BusStatus } from '@remit/core';
import { EventBus } from './event-bus.js';

/** What the indicator reports under its key; `status` is terminus's, the rest is `bus.health()`. */
export interface RemitHealthDetail {
  status: 'up' | 'down';
  /** The bus's own status (`connected`, `connecting`, `disconnected`, `closing`, ...). */
  busStatus: BusStatus;
  /** ISO time of the current connection, or null. */
  connectedSince: string | null;
  /** Events waiting to be sent or confirmed. */
  outbox: number;
  lastError: string | null;
}

/** A terminus `HealthIndicatorResult` (the same shape, so this package does not need terminus installed). */
export type RemitHealthIndicatorResult<K extends string = 'remit'> = Record<K, RemitHealthDetail>;

/**
 * A `@nestjs/terminus` health indicator for the bus: `up` while connected to the broker, `down`
 * otherwise (connecting, reconnecting, closed), with the fields of `bus.health()`. Provided by
 * `RemitModule`; inject it in your health controller.
 *
 * @example
 * @Get('health') @HealthCheck()
 * check() {
 *   return this.health.check([() => this.remit.isHealthy()]);
 * }
 */
@Injectable()
export class RemitHealthIndicator {
  readonly #bus: EventBus;

  constructor(@Inject(EventBus) bus: EventBus) {
    this.#bus = bus;
  }

  isHealthy(): RemitHealthIndicatorResult;
  isHealthy<K extends string>(key: K): RemitHealthIndicatorResult<K>;
  isHealthy(key = 'remit'): RemitHealthIndicatorResult<string> {
    const health = this.#bus.health();
    return {
      [key]: {
        status: health.status === 'connected' ? 'up' : 'down',
        busStatus: health.status,
        connectedSince: health.connectedSince?.toISOString() ?? null,
        outbox: health.outbox,
        lastError: health.lastError,
      },
    };
  }
}
