/**
 * `draining`: close() has begun and running handlers are finishing; they (and anything else still
 * finishing its work, like an HTTP request in flight) may still publish. `closing`: handlers are
 * done, new publishes are refused, the outbox is flushed.
 */
export type LifecycleState = 'idle' | 'starting' | 'started' | 'draining' | 'closing' | 'closed';

/** Where a bus is between createBus() and close(); start() and close() move it, every part reads it. */
export class BusLifecycle {
  state: LifecycleState = 'idle';

  /** Starting or started: a consumer added now (a group, a request name) starts at once. */
  get consuming(): boolean {
    return this.state === 'started' || this.state === 'starting';
  }

  get started(): boolean {
    return this.state === 'started';
  }

  /** close() has begun. */
  get shuttingDown(): boolean {
    return this.state === 'draining' || this.state === 'closing' || this.state === 'closed';
  }

  /** Past draining: publishes and requests are refused. */
  get refusing(): boolean {
    return this.state === 'closing' || this.state === 'closed';
  }
}
