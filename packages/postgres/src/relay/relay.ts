import type { Notification, PoolClient } from 'pg';
import type { Unsubscribe } from '@remit/core';
import { OutboxError } from '../errors.js';
import type { NormalizedOutboxOptions } from '../outbox-options.js';
import type { OutboxBus } from '../outbox-bus.js';
import { type BatchOutcome, sendBatch } from './relay-batch.js';
import { connectClient } from '../transactions/with-transaction.js';
import { sleep, Wakeup } from './wakeup.js';

/** `stopped` before start() and after close(); `standby` while another relay holds the lock. */
export type RelayStatus = 'stopped' | 'starting' | 'standby' | 'active' | 'reconnecting';

/** How often the active relay deletes expired inbox records. */
const INBOX_CLEANUP_INTERVAL_MS = 60_000;

export interface RelayCounters {
  /** Rows this relay published (broker-confirmed) and deleted. */
  sent: number;
  /** Rows this relay moved to `failed`. */
  failed: number;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * The relay: one connection of the pool holds a session advisory lock and LISTENs on the outbox's
 * channel. The relay holding the lock sends; every other relay stands by and tries the lock every
 * `standbyPollMs`. PostgreSQL releases the lock when the holder's connection ends — a crash or
 * kill -9 included — so a standby takes over without anyone cleaning up.
 */
export class Relay {
  readonly counters: RelayCounters = { sent: 0, failed: 0 };
  readonly #options: NormalizedOutboxOptions<OutboxBus>;
  readonly #wake = new Wakeup();
  readonly #stop = new AbortController();
  #status: RelayStatus = 'stopped';
  #loop: Promise<void> | null = null;
  #started: Promise<void> | null = null;
  #client: PoolClient | null = null;
  #lost: Error | null = null;
  #unsubscribe: Unsubscribe | null = null;

  constructor(options: NormalizedOutboxOptions<OutboxBus>) {
    this.#options = options;
  }

  get status(): RelayStatus {
    return this.#status;
  }

  /** Resolves once the relay sends or stands by; rejects if it cannot reach its tables at all. */
  start(): Promise<void> {
    if (this.#stop.signal.aborted) return Promise.reject(new OutboxError('closed', 'The outbox relay was closed; create a new outbox to run it again.'));
    this.#started ??= new Promise<void>((resolve, reject) => {
      this.#status = 'starting';
      // The broker coming back wakes the relay at once instead of at the next poll.
      this.#unsubscribe = this.#options.bus.onStatus((change) => {
        if (change.status === 'connected') this.#wake.notify();
      });
      this.#loop = this.#run({ resolve, reject });
    });
    return this.#started;
  }

  /** Stops sending, waits up to closeTimeoutMs for the batch in flight, and releases the lock. */
  async close(): Promise<void> {
    if (this.#stop.signal.aborted) {
      await this.#loop;
      return;
    }
    this.#stop.abort();
    this.#unsubscribe?.();
    if (this.#loop) {
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#options.closeTimeoutMs)));
      await Promise.race([this.#loop, gaveUp]);
      clearTimeout(timer);
      // Still publishing (the broker is away): its rows stay and go out again, same ids, later.
      this.#dropClient();
    }
    this.#status = 'stopped';
  }

  async #run(started: { resolve(): void; reject(error: Error): void }): Promise<void> {
    let first = true;
    while (!this.#stop.signal.aborted) {
      try {
        await this.#session(started.resolve);
      } catch (caught) {
        const error = toError(caught);
        if (first && this.#status === 'starting') {
          // start() fails loudly: a relay that can never run must not look like it does.
          this.#status = 'stopped';
          this.#dropClient();
          started.reject(error);
          return;
        }
        if (!this.#stop.signal.aborted) this.#options.onError({ kind: 'relay', error });
      } finally {
        this.#dropClient();
      }
      first = false;
      if (this.#stop.signal.aborted) break;
      this.#status = 'reconnecting';
      await sleep(this.#options.standbyPollMs, this.#stop.signal);
    }
    this.#status = 'stopped';
    // close() before the relay ever ran: start() must not wait forever (no-op once it resolved).
    started.reject(new OutboxError('closed', 'The outbox relay was closed before it started.'));
  }

  /** One connection's life: listen, wait for the lock, send until closed or the connection is lost. */
  async #session(running: () => void): Promise<void> {
    const { pool, tables, standbyPollMs } = this.#options;
    const client = await connectClient(pool);
    this.#client = client;
    this.#lost = null;
    client.on('error', (error) => {
      this.#lost = error;
      this.#wake.notify();
    });
    client.on('notification', (message: Notification) => {
      if (message.channel === tables.channel) this.#wake.notify();
    });
    const { rows } = await client.query<{ outbox: string | null; inbox: string | null }>(
      'SELECT to_regclass($1) AS outbox, to_regclass($2) AS inbox',
      [tables.outbox, tables.inbox],
    );
    const missing = [rows[0]?.outbox ? null : tables.outbox, rows[0]?.inbox ? null : tables.inbox].filter(Boolean);
    if (missing.length > 0) {
      throw new OutboxError(
        'not-migrated',
        `The outbox's table${missing.length > 1 ? 's' : ''} ${missing.join(' and ')} ${missing.length > 1 ? 'do' : 'does'} not exist in this database. ` +
          'Run `await outbox.migrate()` before `outbox.start()` (it creates what is missing and is safe to run on every start).',
      );
    }
    await client.query(`LISTEN "${tables.channel}"`);
    for (;;) {
      this.#throwIfLost();
      if (this.#stop.signal.aborted) return;
      const lock = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [tables.lockKey]);
      if (lock.rows[0]?.locked === true) break;
      this.#status = 'standby';
      running();
      await sleep(standbyPollMs, this.#stop.signal);
    }
    this.#status = 'active';
    running();
    await this.#send(client);
  }

  /** The active relay's loop: a batch whenever rows may be waiting and the broker is there. */
  async #send(client: PoolClient): Promise<void> {
    const { bus, pollIntervalMs, batchSize, maxAttempts, tables, onError } = this.#options;
    const deps = { bus, tables, batchSize, maxAttempts, report: onError };
    let nextCleanup = 0;
    while (!this.#stop.signal.aborted) {
      this.#throwIfLost();
      if (Date.now() >= nextCleanup) {
        await this.#cleanInbox(client);
        nextCleanup = Date.now() + INBOX_CLEANUP_INTERVAL_MS;
      }
      // The database is the buffer: while the broker is away, rows wait here, not in memory.
      if (bus.health().status !== 'connected') {
        await this.#wake.wait(pollIntervalMs, this.#stop.signal);
        continue;
      }
      const outcome: BatchOutcome = await sendBatch(client, deps);
      this.counters.sent += outcome.sent;
      this.counters.failed += outcome.failed;
      if (outcome.read === batchSize && outcome.waiting === 0) continue;
      await this.#wake.wait(pollIntervalMs, this.#stop.signal);
    }
  }

  async #cleanInbox(client: PoolClient): Promise<void> {
    const { tables, inboxRetentionMs } = this.#options;
    await client.query(`DELETE FROM ${tables.inbox} WHERE handled_at < now() - ($1::bigint * interval '1 millisecond')`, [
      inboxRetentionMs,
    ]);
  }

  #throwIfLost(): void {
    if (this.#lost) throw new Error(`The relay lost its database connection: ${this.#lost.message}`, { cause: this.#lost });
  }

  /** Ends the relay's connection (never back to the pool: it holds the lock and a LISTEN). */
  #dropClient(): void {
    const client = this.#client;
    this.#client = null;
    if (!client) return;
    client.removeAllListeners('notification');
    // An error after this point (the socket closing) must not become an uncaught exception.
    client.on('error', () => {});
    client.release(true);
  }
}
