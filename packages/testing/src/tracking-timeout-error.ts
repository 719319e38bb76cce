import type { TrackedSession } from './tracked-session.js';

/**
 * A tracked action did not settle in time. Its message lists what was still running: a handler
 * that never returns, a request nobody answers, an event sent to a queue no running bus consumes.
 */
export class TrackingTimeoutError extends Error {
  readonly code = 'ERR_REMIT_TRACKING_TIMEOUT';
  /** What was still under way or awaited when the time was up. */
  readonly running: readonly string[];
  /** What happened until then. */
  readonly session: TrackedSession;

  constructor(what: string, timeoutMs: number, running: readonly string[], session: TrackedSession) {
    super(
      `${what} did not settle within ${timeoutMs} ms. Still running:\n` +
        running.map((line) => `  - ${line}`).join('\n') +
        '\nA handler that never returns, a request nobody answers, or a bus closed before its event arrived keeps it ' +
        'running; raise timeoutMs if it is only slow.',
    );
    this.name = 'TrackingTimeoutError';
    this.running = running;
    this.session = session;
  }
}
