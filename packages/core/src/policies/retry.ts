import { setTimeout as sleep } from 'node:timers/promises';
import { toError } from '../errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

export type AttemptResult = { ok: true } | { ok: false; error: Error; attempts: number };

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
