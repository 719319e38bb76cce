import type { Unsubscribe } from '../types.js';
import type { BusHealth, BusStatus, HandlerHealth, HandlerStatusChange, StatusChange } from '../bus-state.js';

/** The bus's status, its listeners and what `health()` reports. */
export class StatusTracker {
  #status: BusStatus = 'idle';
  #connectedSince: Date | null = null;
  #lastError: string | null = null;
  readonly #listeners = new Set<(change: StatusChange) => void>();

  get status(): BusStatus {
    return this.#status;
  }

  set(status: BusStatus, cause?: Error): void {
    if (cause) this.#lastError = cause.message;
    if (status === this.#status) return;
    const previous = this.#status;
    this.#status = status;
    this.#connectedSince = status === 'connected' ? new Date() : null;
    const change: StatusChange = cause ? { kind: 'bus', status, previous, cause } : { kind: 'bus', status, previous };
    this.#emit(change);
  }

  /** A handler's circuit breaker paused or resumed it. */
  handlerChanged(change: HandlerStatusChange): void {
    this.#emit(change);
  }

  #emit(change: StatusChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A status listener's bug must not stop the bus from changing state or reach the broker code.
      }
    }
  }

  recordError(error: Error): void {
    this.#lastError = error.message;
  }

  listen(listener: (change: StatusChange) => void): Unsubscribe {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  health(outbox: number, handlers: readonly HandlerHealth[]): BusHealth {
    return { status: this.#status, connectedSince: this.#connectedSince, outbox, lastError: this.#lastError, handlers };
  }
}
