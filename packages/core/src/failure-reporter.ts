import type { Observers } from './observe/observers.js';
import type { FailureReport, Logger } from './types.js';

/** A repeated transport error (a broker that stays down) is logged once per this window. */
const REPEAT_WINDOW_MS = 30_000;
const MAX_REMEMBERED_MESSAGES = 100;

export interface FailureReporterOptions {
  onError: ((report: FailureReport) => void) | undefined;
  /** Where failures are logged; null: nowhere. */
  logger: Logger | null;
  /** This bus, named in every log line. */
  source: { service: string; instanceId: string };
  /** Observers of the bus (a test harness), told of every failure. */
  observers?: Observers;
}

/**
 * Where every failure a bus notices ends up: `onError`, and the log (the console unless `onError`
 * or `logger` says otherwise). A handler that failed its last try, a dead letter, an undecodable
 * message, a transport error: each is one line, once. A broker that stays down is one line per
 * 30 s, not one per reconnect attempt. Built first, so every part reports to the same place.
 */
export class FailureReporter {
  readonly #options: FailureReporterOptions;
  readonly #prefix: string;
  /** Transport error messages logged lately: when, and how many repeats were not logged since. */
  readonly #recent = new Map<string, { at: number; repeats: number }>();

  constructor(options: FailureReporterOptions) {
    this.#options = options;
    this.#prefix = `remit ${options.source.service}/${options.source.instanceId}:`;
  }

  report(failure: FailureReport): void {
    const observers = this.#options.observers;
    if (observers?.active) observers.emit({ kind: 'failure', report: failure });
    const onError = this.#options.onError;
    if (onError) {
      try {
        onError(failure);
      } catch {
        // onError is the last stop for failures; a bug in it must not take the consumer down.
      }
    }
    this.#log(failure);
  }

  /** A handler attempt failed and will run again. */
  retrying(event: string, handler: string, attempt: number, error: Error): void {
    this.#write('warn', `handler ${handler} failed for "${event}" (attempt ${attempt}), retrying: ${error.message}`);
  }

  /** The connection was lost; the transport reconnects on its own. */
  disconnected(cause: Error | undefined): void {
    this.#write('warn', `lost the connection to the broker${cause ? `: ${cause.message}` : ''}; reconnecting`);
  }

  /** The connection came back after it was lost. */
  reconnected(): void {
    this.#write('info', 'reconnected to the broker');
  }

  #log(failure: FailureReport): void {
    const logger = this.#options.logger;
    if (!logger) return;
    const where = [
      failure.event !== undefined && `event "${failure.event}"`,
      failure.id !== undefined && `id ${failure.id}`,
      failure.handler !== undefined && `handler ${failure.handler}`,
      failure.attempts !== undefined && `${failure.attempts} attempt${failure.attempts === 1 ? '' : 's'}`,
    ].filter(Boolean);
    const line = `${failure.kind} failure${where.length > 0 ? ` (${where.join(', ')})` : ''}: ${failure.error.message}`;
    // The bus reconnects on its own, and nobody listening is not this instance's failure: warnings.
    if (failure.kind === 'transport' || failure.kind === 'unroutable') {
      const repeats = this.#repeats(failure.error.message);
      if (repeats === null) return;
      this.#write('warn', repeats > 0 ? `${line} (and ${repeats} more times in the last 30 s)` : line);
      return;
    }
    this.#write('error', line);
  }

  /** null when the same message was logged within the window; else how many repeats were held back. */
  #repeats(message: string): number | null {
    const now = Date.now();
    const seen = this.#recent.get(message);
    if (seen && now - seen.at < REPEAT_WINDOW_MS) {
      seen.repeats++;
      return null;
    }
    if (this.#recent.size >= MAX_REMEMBERED_MESSAGES) this.#recent.delete(this.#recent.keys().next().value ?? '');
    this.#recent.set(message, { at: now, repeats: 0 });
    return seen?.repeats ?? 0;
  }

  #write(level: 'error' | 'warn' | 'info', line: string): void {
    const logger = this.#options.logger;
    if (!logger) return;
    try {
      logger[level](`${this.#prefix} ${line}`);
    } catch {
      // A broken logger must not take the consumer down either.
    }
  }
}
