import { EventEmitter } from 'node:events';
import { closeModel } from './closing.js';
import { ConfigError } from '../errors.js';
import { backoffDelay } from '../policies/backoff.js';
import amqplib, { type ChannelModel, type SocketOptions } from 'amqplib';

export interface ConnectionLoopOptions {
  /** Broker URLs, tried in turn: the nodes of a cluster. */
  urls: readonly string[];
  socketOptions: SocketOptions;
  initialDelayMs: number;
  maxDelayMs: number;
  /** Runs on every new connection before it counts as connected; a throw fails the attempt. */
  setup(model: ChannelModel): Promise<void>;
}

/**
 * True for the broker refusing this user or vhost, as amqplib reports it: `403 ACCESS_REFUSED`
 * during the handshake (wrong user name or password), or a close instead of `connection.open-ok`
 * (a vhost that does not exist, or that this user may not use; amqplib drops the reply code).
 */
export function refusedAccess(error: Error): boolean {
  return /^Handshake terminated by server: 403\b|ACCESS_REFUSED|^Expected ConnectionOpenOk/.test(error.message);
}

/** A promise with its settle functions (Promise.withResolvers arrives in Node 22). */
function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve: () => void = () => {};
  let reject: (error: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Keeps one AMQP connection open: connects, runs `setup`, and on loss reconnects with exponential
 * backoff and jitter, moving to the next URL after each failed attempt.
 *
 * amqplib's own recovery (`connect(url, { recovery })`) does the same for one fixed URL; it has
 * no way to change the URL between attempts, so it cannot fail over across a cluster's nodes.
 * This loop keeps its shape (events `connect`, `disconnect`, `connect-failed`, `error`,
 * `blocked`, `unblocked`; `waitForConnect()`; `close()`) and adds the URL list.
 */
export class ConnectionLoop extends EventEmitter {
  readonly #options: ConnectionLoopOptions;
  #model: ChannelModel | null = null;
  #timer: NodeJS.Timeout | null = null;
  #stopped = false;
  #attempt = 0;
  #urlIndex = 0;
  #everConnected = false;
  readonly #firstConnect = deferred();

  constructor(options: ConnectionLoopOptions) {
    super();
    this.#options = options;
    // Nobody may be waiting yet; a failure is also reported through events.
    this.#firstConnect.promise.catch(() => {});
  }

  start(): void {
    void this.#connect();
  }

  /** Resolves on the first successful connection; rejects if the loop is closed before. */
  waitForConnect(): Promise<void> {
    return this.#firstConnect.promise;
  }

  get connected(): boolean {
    return this.#model !== null;
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#firstConnect.reject(new Error('Connection closed before it was established'));
    const model = this.#model;
    this.#model = null;
    if (model) await closeModel(model);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const { urls, socketOptions } = this.#options;
    const urlIndex = this.#urlIndex % urls.length;
    const url = urls[urlIndex] ?? '';
    let model: ChannelModel | null = null;
    let closedDuringSetup = false;
    try {
      model = await amqplib.connect(url, socketOptions);
      const current = model;
      current.on('error', (error: Error) => this.emit('error', error));
      current.on('blocked', (reason: string) => this.emit('blocked', reason));
      current.on('unblocked', () => this.emit('unblocked'));
      current.once('close', (error?: Error) => {
        if (this.#model !== current) {
          closedDuringSetup = true;
          return;
        }
        this.#model = null;
        // Its node may be gone (killed, restarting): the first attempt goes to the next node of a
        // cluster rather than back to it, sparing a refused connect and a backoff step.
        this.#urlIndex++;
        this.emit('disconnect', error ?? new Error('Connection closed'));
        this.#schedule();
      });
      if (this.#stopped) throw new Error('closed');
      await this.#options.setup(current);
      if (closedDuringSetup) throw new Error('Connection closed during setup');
      if (this.#stopped) throw new Error('closed');
      this.#model = current;
      this.#everConnected = true;
      this.#attempt = 0;
      this.#firstConnect.resolve();
      this.emit('connect', current, urlIndex);
    } catch (caught) {
      await model?.close().catch(() => {});
      if (this.#stopped) return;
      const error = caught instanceof Error ? caught : new Error(String(caught));
      // The next attempt goes to the next node: a dead node should not hold up recovery.
      this.#urlIndex++;
      this.emit('connect-failed', error, urlIndex);
      // Wrong credentials or vhost never fix themselves, nor does topology that contradicts the
      // options (setup's ConfigError): the first connection fails at once instead of retrying until
      // the connect timeout. Once connected, a bus keeps retrying (a password being rotated), and
      // says so in its log.
      if (this.#everConnected === false && (refusedAccess(error) || caught instanceof ConfigError)) {
        this.#firstConnect.reject(error);
        return;
      }
      this.#schedule();
    }
  }

  #schedule(): void {
    if (this.#stopped || this.#timer) return;
    this.#attempt++;
    const delay = backoffDelay(this.#attempt, this.#options);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#connect();
    }, delay);
  }
}
