import type { BreakerState, CircuitBreaker } from './circuit-breaker.js';

/** How a queue is consumed: normally, one event at a time (a breaker probing), or not at all. */
export type ConsumeMode = BreakerState;

/**
 * The circuit breakers of the handlers that share one queue in this instance (its broadcast queue,
 * or one group's), and the mode that queue is consumed in: paused while any breaker is paused,
 * one event at a time while any probes, else normally. A pause holds every handler of the queue,
 * since a queue cannot be consumed for some of its handlers only.
 */
export class QueueGate {
  readonly #breakers = new Set<CircuitBreaker>();
  readonly #apply: (mode: ConsumeMode) => void;
  #mode: ConsumeMode = 'running';

  /** `apply` changes how the queue is consumed; it is called only when the mode changes. */
  constructor(apply: (mode: ConsumeMode) => void) {
    this.#apply = apply;
  }

  get mode(): ConsumeMode {
    return this.#mode;
  }

  /** Whether any handler of the queue has a circuit breaker. */
  get guarded(): boolean {
    return this.#breakers.size > 0;
  }

  add(breaker: CircuitBreaker): void {
    this.#breakers.add(breaker);
  }

  remove(breaker: CircuitBreaker): void {
    this.#breakers.delete(breaker);
    this.update();
  }

  /** A breaker changed state: consume as the breakers now say. */
  update(): void {
    let mode: ConsumeMode = 'running';
    for (const breaker of this.#breakers) {
      if (breaker.state === 'paused') mode = 'paused';
      else if (breaker.state === 'probing' && mode === 'running') mode = 'probing';
    }
    if (mode === this.#mode) return;
    this.#mode = mode;
    this.#apply(mode);
  }
}

/**
 * The prefetch a queue is consumed with: 1 while a breaker probes; with a breaker on any of its
 * handlers, no more than the deliveries it may handle at once (`queueConcurrency`), so that none
 * is left waiting to run after the breaker opens (a pause stops new deliveries, not those already
 * here); else the bus's prefetch.
 */
export function consumePrefetch(mode: ConsumeMode, gate: QueueGate, prefetch: number, queueConcurrency: number): number {
  if (mode === 'probing') return 1;
  return gate.guarded ? Math.min(prefetch, queueConcurrency) : prefetch;
}
