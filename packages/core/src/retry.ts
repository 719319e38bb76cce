import { setTimeout as sleep } from 'node:timers/promises';

export interface BackoffOptions {
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
}

export type AttemptResult = { ok: true } | { ok: false; error: Error; attempts: number };

/** Exponential backoff with ±20 % jitter, so many failing instances do not retry in lockstep. */
export function backoffDelay(attempt: number, options: Omit<BackoffOptions, 'attempts'>): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : `Non-error thrown: ${String(value)}`);
}

/** Runs `task` until it succeeds or the attempts are spent; never throws. */
export async function withRetry(
  task: () => unknown,
  options: BackoffOptions,
  onRetry: (error: Error, attempt: number) => void = () => {},
): Promise<AttemptResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      await task();
      return { ok: true };
    } catch (caught) {
      const error = toError(caught);
      if (attempt >= options.attempts) return { ok: false, error, attempts: attempt };
      onRetry(error, attempt);
      await sleep(backoffDelay(attempt, options));
    }
  }
}
