import { toError } from '../errors.js';

/**
 * Counts the work a bus has in flight (handler runs, local deliveries, request handlers), so that
 * close() can let it finish. Every delivery is tracked, so this is a counter and two bound
 * callbacks rather than a set of promises with a catch and a finally each: one promise per
 * delivery instead of three.
 */
export class WorkTracker {
  readonly #onError: (error: Error) => void;
  #running = 0;
  /** While someone waits for the work to end: the promise they wait on, and how to settle it. */
  #idleWait: { promise: Promise<void>; resolve: () => void } | null = null;

  /** `onError` hears work that failed (it never rejects anyone). */
  constructor(onError: (error: Error) => void) {
    this.#onError = onError;
  }

  /** Counts `work` until it settles; undefined is work already done (a delivery handled synchronously). */
  track(work: Promise<unknown> | undefined): void {
    if (work === undefined) return;
    this.#running++;
    work.then(this.#done, this.#failed);
  }

  /** Resolves once no tracked work is running, or once `signal` aborts (close()'s deadline); never rejects. */
  idle(signal?: AbortSignal): Promise<void> {
    if (this.#running === 0 || signal?.aborted) return Promise.resolve();
    if (!this.#idleWait) {
      let resolve = (): void => {};
      const promise = new Promise<void>((settle) => (resolve = settle));
      this.#idleWait = { promise, resolve };
    }
    const idle = this.#idleWait.promise;
    if (!signal) return idle;
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      signal.addEventListener('abort', done, { once: true });
      void idle.then(done);
    });
  }

  readonly #done = (): void => {
    if (--this.#running > 0 || !this.#idleWait) return;
    this.#idleWait.resolve();
    this.#idleWait = null;
  };

  readonly #failed = (caught: unknown): void => {
    this.#onError(toError(caught));
    this.#done();
  };
}
