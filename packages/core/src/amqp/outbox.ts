import { BufferFullError, ClosedError, PublishTimeoutError } from '../errors.js';
import type { PublishRequest } from '../transport.js';

const RETRY_DELAY_MS = 50;

/** What the outbox needs from a live confirm channel. */
export interface PublishChannel {
  /**
   * Writes the message; `onConfirm` gets null on ack, an error on nack or channel loss (sent again),
   * or an error with `permanent` for a message that can never be sent (rejected). Returns false
   * when the socket buffer is full.
   */
  write(request: PublishRequest, onConfirm: (error: Error | null, permanent?: boolean) => void): boolean;
  /** Calls `resume` once the channel can take more writes. */
  onDrain(resume: () => void): void;
}

interface Entry {
  /** Publish order; a message put back after a lost connection goes before newer ones. */
  readonly seq: number;
  readonly request: PublishRequest;
  readonly bytes: number;
  /** Identifies the current write, so a confirm from a dead channel is ignored. */
  write: number;
  settled: boolean;
  /** When it rejects with PublishTimeoutError (performance.now() milliseconds). */
  readonly deadline: number;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * FIFO of publishes: waiting to be written (disconnected, blocked, or behind backpressure) and
 * written but not yet confirmed. Every publish settles exactly once: confirmed, rejected on timeout,
 * rejected when the outbox is full, or rejected when the transport closes. A nack or a lost channel
 * puts the message back, in its original order, for the next channel.
 */
export class Outbox {
  readonly #waiting: Entry[] = [];
  readonly #unconfirmed = new Set<Entry>();
  readonly #idle = new Set<() => void>();
  readonly #limits: { maxMessages: number; maxBytes: number };
  #bytes = 0;
  #seq = 0;
  #writes = 0;
  #channel: PublishChannel | null = null;
  #paused = false;
  #awaitingDrain = false;
  /** Set after a nack or failed write: the next try waits a moment instead of spinning. */
  #awaitingRetry = false;
  #closed = false;
  /** Whether the transport was ever started: a publish that times out before says so. */
  #started = false;
  /**
   * One timer for every deadline, set for the earliest one known: a timer per publish costs an
   * object and two timer-list operations on the publish path, for a timeout that almost never
   * fires. Cleared whenever the outbox is empty.
   */
  #timer: NodeJS.Timeout | null = null;
  #timerAt = Infinity;

  constructor(limits: { maxMessages: number; maxBytes: number }) {
    this.#limits = limits;
  }

  /** Publishes waiting or unconfirmed. */
  get size(): number {
    return this.#waiting.length + this.#unconfirmed.size;
  }

  enqueue(request: PublishRequest): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('The AMQP transport'));
    const bytes = request.message.body.length;
    if (this.size >= this.#limits.maxMessages) return Promise.reject(new BufferFullError(this.#limits.maxMessages));
    if (this.#bytes + bytes > this.#limits.maxBytes) {
      return Promise.reject(new BufferFullError(this.#limits.maxBytes, { bound: 'bytes' }));
    }
    return new Promise<void>((resolve, reject) => {
      const entry: Entry = {
        seq: this.#seq++,
        request,
        bytes,
        write: -1,
        settled: false,
        deadline: performance.now() + request.timeoutMs,
        resolve,
        reject,
      };
      this.#bytes += bytes;
      this.#waiting.push(entry);
      this.#armTimer(entry.deadline);
      this.#pump();
    });
  }

  /** The transport is starting: from now on a timeout means the broker did not confirm in time. */
  start(): void {
    this.#started = true;
  }

  /** A new channel is ready: send what waits, oldest first. */
  attach(channel: PublishChannel): void {
    this.#channel = channel;
    this.#awaitingDrain = false;
    this.#pump();
  }

  /** The channel is gone: whatever it did not confirm waits again, in publish order. */
  detach(): void {
    this.#channel = null;
    if (this.#unconfirmed.size === 0) return;
    this.#waiting.unshift(...[...this.#unconfirmed].sort((a, b) => a.seq - b.seq));
    this.#unconfirmed.clear();
  }

  /** The broker blocked the connection (memory or disk alarm): hold writes until unblocked. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    this.#pump();
  }

  /** Resolves when nothing waits or is unconfirmed, or when the signal aborts. */
  flush(signal: AbortSignal): Promise<void> {
    if (this.size === 0 || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.#idle.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.#idle.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  /** Rejects everything still pending with ClosedError; later publishes are refused. */
  close(): void {
    this.#closed = true;
    const error = new ClosedError('The AMQP transport');
    for (const entry of [...this.#waiting, ...this.#unconfirmed]) this.#settle(entry, error);
  }

  #pump(): void {
    const channel = this.#channel;
    if (!channel) return;
    while (this.#waiting.length > 0 && !this.#paused && !this.#awaitingDrain && !this.#awaitingRetry) {
      const entry = this.#waiting.shift();
      if (!entry) break;
      const write = ++this.#writes;
      entry.write = write;
      this.#unconfirmed.add(entry);
      const writable = channel.write(entry.request, (error, permanent) => this.#onConfirm(entry, write, error, permanent === true));
      if (!writable) {
        this.#awaitingDrain = true;
        channel.onDrain(() => {
          if (this.#channel !== channel) return;
          this.#awaitingDrain = false;
          this.#pump();
        });
      }
    }
  }

  #onConfirm(entry: Entry, write: number, error: Error | null, permanent: boolean): void {
    if (entry.settled || entry.write !== write) return;
    if (!error || permanent) {
      this.#settle(entry, error ?? undefined);
      return;
    }
    // A nack means the broker could not take it now; a closed channel means we cannot know.
    // Either way the message is sent again rather than reported as delivered or lost.
    if (!this.#unconfirmed.delete(entry)) return;
    const index = this.#waiting.findIndex((waiting) => waiting.seq > entry.seq);
    this.#waiting.splice(index === -1 ? this.#waiting.length : index, 0, entry);
    // A channel that is closing fails every write at once; retrying in the same tick would spin
    // until memory runs out. The connection loop replaces the channel meanwhile.
    if (this.#awaitingRetry) return;
    this.#awaitingRetry = true;
    setTimeout(() => {
      this.#awaitingRetry = false;
      this.#pump();
    }, RETRY_DELAY_MS).unref();
  }

  #settle(entry: Entry, error?: Error): void {
    if (entry.settled) return;
    entry.settled = true;
    this.#bytes -= entry.bytes;
    // An entry is either unconfirmed or waiting; only a waiting one needs the scan.
    if (!this.#unconfirmed.delete(entry)) {
      const index = this.#waiting.indexOf(entry);
      if (index !== -1) this.#waiting.splice(index, 1);
    }
    if (error) entry.reject(error);
    else entry.resolve();
    if (this.size > 0) return;
    this.#clearTimer();
    for (const done of [...this.#idle]) done();
  }

  #armTimer(deadline: number): void {
    if (deadline >= this.#timerAt) return;
    this.#clearTimer();
    this.#timerAt = deadline;
    this.#timer = setTimeout(this.#expire, Math.max(0, deadline - performance.now()));
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Infinity;
  }

  /** Rejects every publish past its deadline, and sets the timer for the next deadline. */
  readonly #expire = (): void => {
    this.#timer = null;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const entry of [...this.#waiting, ...this.#unconfirmed]) {
      if (entry.deadline > now) {
        next = Math.min(next, entry.deadline);
        continue;
      }
      const name = entry.request.message.properties.type ?? entry.request.message.routingKey;
      this.#settle(entry, new PublishTimeoutError(name, entry.request.timeoutMs, { neverStarted: !this.#started }));
    }
    if (next < Infinity) this.#armTimer(next);
  };
}
