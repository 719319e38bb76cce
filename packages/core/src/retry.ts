import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export type AttemptResult = { ok: true } | { ok: false; error: Error; attempts: number };

const JITTER = 0.2;

/**
 * Exponential backoff with ±20 % jitter, so many failing instances do not retry in lockstep. The
 * base is capped at maxDelayMs / 1.2, so even the highest jitter never exceeds maxDelayMs.
 */
export function backoffDelay(attempt: number, options: Omit<BackoffOptions, 'attempts'>): number {
  const base = Math.min(options.maxDelayMs / (1 + JITTER), options.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (1 - JITTER + Math.random() * 2 * JITTER));
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`);
}

/** Hears how long each attempt took (an object rather than a callback: no closure per event). */
export interface AttemptTimer {
  observe(seconds: number): void;
}

/** Runs `task` until it succeeds or the attempts are spent; never throws. */
export async function withRetry(
  task: () => unknown,
  options: BackoffOptions,
  onRetry: (error: Error, attempt: number) => void = () => {},
  timer?: AttemptTimer,
): Promise<AttemptResult> {
  for (let attempt = 1; ; attempt++) {
    const started = timer ? performance.now() : 0;
    try {
      await task();
      timer?.observe((performance.now() - started) / 1000);
      return { ok: true };
    } catch (caught) {
      timer?.observe((performance.now() - started) / 1000);
      const error = toError(caught);
      if (attempt >= options.attempts) return { ok: false, error, attempts: attempt };
      onRetry(error, attempt);
      await sleep(backoffDelay(attempt, options));
    }
  }
}
