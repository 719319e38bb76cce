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

/** The result of a run of tries that succeeded: one object for all, since callers only read it. */
const SUCCEEDED: AttemptResult = Object.freeze({ ok: true });

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Runs `task` (given the try, from 1) until it succeeds, the attempts are spent, or an error is
 * final: UnrecoverableError, or `retryIf` (given the error and the try that failed) says no.
 * Never throws. A first try that returns no promise and succeeds (a synchronous handler) is
 * settled without one: that is most deliveries, and each promise and microtask hop saved is CPU
 * per event in every consumer (docs/performance.md).
 */
export function withRetry(
  task: (attempt: number) => unknown,
  options: BackoffOptions,
  onRetry: (error: Error, attempt: number) => void = () => {},
  timer?: AttemptTimer,
  retryIf?: (error: Error, attempt: number) => boolean,
): AttemptResult | Promise<AttemptResult> {
  const started = timer ? performance.now() : 0;
  let returned: unknown;
  try {
    returned = task(1);
  } catch (caught) {
    return afterFailure(caught, started, { task, options, onRetry, timer, retryIf });
  }
  if (!isPromiseLike(returned)) {
    timer?.observe(secondsSince(started));
    return SUCCEEDED;
  }
  return Promise.resolve(returned).then(
    () => {
      timer?.observe(secondsSince(started));
      return SUCCEEDED;
    },
    (caught: unknown) => afterFailure(caught, started, { task, options, onRetry, timer, retryIf }),
  );
}

function secondsSince(started: number): number {
  return (performance.now() - started) / 1000;
}

interface Tries {
  task: (attempt: number) => unknown;
  options: BackoffOptions;
  onRetry: (error: Error, attempt: number) => void;
  timer: AttemptTimer | undefined;
  retryIf: ((error: Error, attempt: number) => boolean) | undefined;
}

/** The tries after the first one, started at `firstStarted`, failed with `caught`. */
async function afterFailure(caught: unknown, firstStarted: number, { task, options, onRetry, timer, retryIf }: Tries): Promise<AttemptResult> {
  timer?.observe(secondsSince(firstStarted));
  for (let attempt = 1; ; attempt++) {
    const error = toError(caught);
    if (isUnrecoverable(error) || (retryIf !== undefined && !safeRetryIf(retryIf, error, attempt))) {
      return { ok: false, error, attempts: attempt, final: true };
    }
    if (attempt >= options.attempts) return { ok: false, error, attempts: attempt, final: false };
    onRetry(error, attempt);
    await sleep(backoffDelay(attempt, options));
    const started = timer ? performance.now() : 0;
    try {
      await task(attempt + 1);
      timer?.observe(secondsSince(started));
      return SUCCEEDED;
    } catch (next) {
      timer?.observe(secondsSince(started));
      caught = next;
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
