import { setTimeout as sleep } from 'node:timers/promises';
import { toError } from '../errors.js';
import { backoffDelay, type BackoffOptions } from './backoff.js';

/**
 * How a run of tries ended: succeeded, or failed after `attempts` tries. `final`: stopped before
 * its tries were spent because the error is not worth another try (UnrecoverableError, or
 * `retryIf` said no), so no delayed retry either.
 */
export type AttemptResult = { ok: true } | { ok: false; error: Error; attempts: number; final: boolean };

/** Hears how long each attempt took (an object rather than a callback: no closure per event). */
export interface AttemptTimer {
  observe(seconds: number): void;
}

/** True for an error that says no retry can fix it: UnrecoverableError, from this copy of remit or another. */
export function isUnrecoverable(error: Error): boolean {
  return error.name === 'UnrecoverableError' && (error as { code?: unknown }).code === 'ERR_UNRECOVERABLE';
}

/**
 * Runs `task` (given the try, from 1) until it succeeds, the attempts are spent, or an error is
 * final: UnrecoverableError, or `retryIf` (given the error and the try that failed) says no.
 * Never throws.
 */
export async function withRetry(
  task: (attempt: number) => unknown,
  options: BackoffOptions,
  onRetry: (error: Error, attempt: number) => void = () => {},
  timer?: AttemptTimer,
  retryIf?: (error: Error, attempt: number) => boolean,
): Promise<AttemptResult> {
  for (let attempt = 1; ; attempt++) {
    const started = timer ? performance.now() : 0;
    try {
      await task(attempt);
      timer?.observe((performance.now() - started) / 1000);
      return { ok: true };
    } catch (caught) {
      timer?.observe((performance.now() - started) / 1000);
      const error = toError(caught);
      if (isUnrecoverable(error) || (retryIf !== undefined && !safeRetryIf(retryIf, error, attempt))) {
        return { ok: false, error, attempts: attempt, final: true };
      }
      if (attempt >= options.attempts) return { ok: false, error, attempts: attempt, final: false };
      onRetry(error, attempt);
      await sleep(backoffDelay(attempt, options));
    }
  }
}

/** A retryIf that throws is taken to say "retry": a bug in the filter must not drop events. */
function safeRetryIf(retryIf: (error: Error, attempt: number) => boolean, error: Error, attempt: number): boolean {
  try {
    return retryIf(error, attempt) !== false;
  } catch {
    return true;
  }
}
