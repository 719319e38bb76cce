import type { Bus, PayloadMap, RequestMap, RequestShape } from '@remit/core';
import type { Request, Response } from 'express';
import { requireBus } from './option-checks.js';

/** The body of the `health()` route. */
export interface HealthBody {
  status: string;
  /** ISO time of the current connection, or null. */
  connectedSince: string | null;
  outbox: number;
  lastError: string | null;
  service: string;
  instance: string;
}

/**
 * A JSON health route: 200 while the bus is connected, 503 otherwise, with `bus.health()`'s
 * fields. The body never holds credentials (remit masks them in every error it records).
 *
 * @example
 * app.get('/health', health(bus));
 * // 200 {"status":"connected","connectedSince":"2025-…Z","outbox":0,"lastError":null,"service":"api","instance":"…"}
 */
export function health<E extends object, R extends RequestShape<R> = RequestMap, P extends PayloadMap<E> = E>(
  bus: Bus<E, R, P>,
): (req: Request, res: Response) => void {
  requireBus(bus);
  return function remitHealth(_req: Request, res: Response): void {
    const current = bus.health();
    const body: HealthBody = {
      status: current.status,
      connectedSince: current.connectedSince?.toISOString() ?? null,
      outbox: current.outbox,
      lastError: current.lastError,
      service: bus.service,
      instance: bus.instanceId,
    };
    res
      .status(current.status === 'connected' ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json(body);
  };
}
