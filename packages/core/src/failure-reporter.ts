import type { Observers } from './observe/observers.js';
import type { FailureReport } from './types.js';

/**
 * Where every failure a bus notices ends up: a handler that failed its last try, a dead letter, an
 * undecodable message, a transport error. Built first, so every part reports to the same place.
 */
export class FailureReporter {
  readonly #onError: ((report: FailureReport) => void) | undefined;
  readonly #observers: Observers | undefined;

  constructor(onError: ((report: FailureReport) => void) | undefined, observers?: Observers) {
    this.#onError = onError;
    this.#observers = observers;
  }

  report(failure: FailureReport): void {
    if (this.#observers?.active) this.#observers.emit({ kind: 'failure', report: failure });
    const onError = this.#onError;
    if (!onError) return;
    try {
      onError(failure);
    } catch {
      // onError is the last stop for failures; a bug in it must not take the consumer down.
    }
  }
}
