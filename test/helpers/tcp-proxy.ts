import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * A TCP proxy between clients and a broker that a test can break: `cut()` resets every
 * connection, `blackhole()` keeps connections open but silently drops all traffic (like a dead
 * network path; only heartbeats notice), `refuse()` makes new connections fail.
 */
export class TcpProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #mode: 'pass' | 'blackhole' | 'refuse' = 'pass';
  port = 0;

  private constructor(readonly targetPort: number) {
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    const address = proxy.#server.address();
    proxy.port = typeof address === 'object' && address ? address.port : 0;
    return proxy;
  }

  get connections(): number {
    return this.#pairs.size;
  }

  /** Resets every open connection; new ones are accepted. */
  cut(): void {
    for (const { client, upstream } of this.#pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    this.#pairs.clear();
  }

  /** Drops all bytes both ways on open connections and holds new ones open without forwarding. */
  blackhole(): void {
    this.#mode = 'blackhole';
  }

  /** New connections are reset at once. */
  refuse(): void {
    this.#mode = 'refuse';
  }

  /** Back to forwarding; connections black-holed meanwhile stay broken (their bytes were lost). */
  restore(): void {
    this.#mode = 'pass';
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #accept(client: Socket): void {
    if (this.#mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const forward = (from: Socket, to: Socket) =>
      from.on('data', (chunk) => {
        if (this.#mode === 'pass') to.write(chunk);
      });
    forward(client, upstream);
    forward(upstream, client);
    const drop = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  }
}
