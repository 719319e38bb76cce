import { rejectUnknownKeys, requireRecord } from '../config-checks.js';
import { ConfigError } from '../errors.js';
import { parseDuration } from './durations.js';

/** When a handler stops taking work because its calls keep failing (MassTransit's kill switch). */
export interface CircuitBreakerOptions {
  /**
   * Pause once at least this share of the calls in the window failed (0 < ratio ≤ 1).
   * @default 0.5
   */
  failureRatio?: number;
  /**
   * Calls the window must hold before the ratio counts, so two failures in a row never trip it.
   * @default 10
   */
  minCalls?: number;
  /**
   * How far back calls count (ms or `'1m'`).
   * @default 60000
   */
  windowMs?: number | string;
  /**
   * How long the handler's queue is paused before one event is let through to try again.
   * @default 30000
   */
  pauseMs?: number | string;
}

export interface NormalizedCircuitBreaker {
  failureRatio: number;
  minCalls: number;
  windowMs: number;
  pauseMs: number;
}

/** Checks `circuitBreaker`; `field` names it in errors. */
export function normalizeCircuitBreaker(field: string, value: unknown): NormalizedCircuitBreaker | null {
  if (value === undefined) return null;
  const options = requireRecord(field, value);
  rejectUnknownKeys(field, options, ['failureRatio', 'minCalls', 'windowMs', 'pauseMs']);
  const failureRatio = options.failureRatio ?? 0.5;
  if (typeof failureRatio !== 'number' || !(failureRatio > 0 && failureRatio <= 1)) {
    throw new ConfigError(`${field}.failureRatio`, `expected a number above 0 and at most 1, got ${String(failureRatio)}.`);
  }
  const minCalls = options.minCalls ?? 10;
  if (typeof minCalls !== 'number' || !Number.isInteger(minCalls) || minCalls < 1 || minCalls > 1_000_000) {
    throw new ConfigError(`${field}.minCalls`, `expected a whole number of at least 1, got ${String(minCalls)}.`);
  }
  return {
    failureRatio,
    minCalls,
    windowMs: options.windowMs === undefined ? 60_000 : parseDuration(`${field}.windowMs`, options.windowMs),
    pauseMs: options.pauseMs === undefined ? 30_000 : parseDuration(`${field}.pauseMs`, options.pauseMs),
  };
}

/** running: calls go through; paused: the queue is not consumed; probing: one event at a time. */
export type BreakerState = 'running' | 'paused' | 'probing';

const BUCKETS = 10;

/**
 * Counts a handler's calls over a sliding window (ten buckets, so memory is constant whatever the
 * rate) and decides when to pause: at `minCalls` calls or more with `failureRatio` of them failed.
 * After `pauseMs` it probes: the next call that succeeds resumes, one that fails pauses again.
 */
export class CircuitBreaker {
  readonly #options: NormalizedCircuitBreaker;
  readonly #onChange: (state: BreakerState, pausedUntil: Date | null) => void;
  readonly #bucketMs: number;
  /** [bucket index, calls, failures] per bucket. */
  readonly #buckets: Array<[number, number, number]> = [];
  #state: BreakerState = 'running';
  #pausedUntil: Date | null = null;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: NormalizedCircuitBreaker, onChange: (state: BreakerState, pausedUntil: Date | null) => void) {
    this.#options = options;
    this.#onChange = onChange;
    this.#bucketMs = Math.max(1, Math.ceil(options.windowMs / BUCKETS));
  }

  get state(): BreakerState {
    return this.#state;
  }

  get pausedUntil(): Date | null {
    return this.#pausedUntil;
  }

  /** One call (an event's handling by this handler, after its in-process tries) ended. */
  record(succeeded: boolean): void {
    if (this.#state === 'paused') return; // calls that were running when it paused
    if (this.#state === 'probing') {
      if (succeeded) this.#set('running', null);
      else this.#pause();
      return;
    }
    const now = Date.now();
    const index = Math.floor(now / this.#bucketMs);
    let bucket = this.#buckets.at(-1);
    if (!bucket || bucket[0] !== index) {
      bucket = [index, 0, 0];
      this.#buckets.push(bucket);
    }
    bucket[1]++;
    if (!succeeded) bucket[2]++;
    const oldest = index - BUCKETS + 1;
    while ((this.#buckets[0]?.[0] ?? index) < oldest) this.#buckets.shift();
    let calls = 0;
    let failures = 0;
    for (const [, c, f] of this.#buckets) {
      calls += c;
      failures += f;
    }
    if (calls >= this.#options.minCalls && failures / calls >= this.#options.failureRatio) this.#pause();
  }

  /** Stops its timer: the bus is closing. */
  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #pause(): void {
    this.#buckets.length = 0;
    this.#set('paused', new Date(Date.now() + this.#options.pauseMs));
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#set('probing', null);
    }, this.#options.pauseMs);
    this.#timer.unref();
  }

  #set(state: BreakerState, pausedUntil: Date | null): void {
    this.#state = state;
    this.#pausedUntil = pausedUntil;
    this.#onChange(state, pausedUntil);
  }
}
