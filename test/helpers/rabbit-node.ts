import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// The packaged /usr/sbin wrappers switch to the rabbitmq user and reset HOME; the scripts behind
// them take our environment as it is.
const BIN = '/usr/lib/rabbitmq/bin';

/** A free TCP port on 127.0.0.1, as the kernel hands it out. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A RabbitMQ node owned by one test file: its own node name, AMQP and distribution ports, data
 * and log directories, config and Erlang cookie. Restarting or killing it disturbs nothing else.
 */
export class RabbitNode {
  readonly name: string;
  readonly port: number;
  readonly #dir: string;
  readonly #env: NodeJS.ProcessEnv;

  private constructor(name: string, port: number, distPort: number, cookie: string) {
    this.name = name;
    this.port = port;
    this.#dir = mkdtempSync(join(tmpdir(), 'remit-node-'));
    const home = join(this.#dir, 'home');
    mkdirSync(home);
    // Nodes of one cluster share a cookie; no cookie is the shared broker's, so none can join it.
    writeFileSync(join(home, '.erlang.cookie'), cookie, { mode: 0o400 });
    writeFileSync(
      join(this.#dir, 'rabbitmq.conf'),
      [`listeners.tcp.default = 127.0.0.1:${port}`, 'loopback_users = none', ''].join('\n'),
    );
    this.#env = {
      ...process.env,
      HOME: home,
      RABBITMQ_NODENAME: name,
      RABBITMQ_NODE_PORT: String(port),
      RABBITMQ_DIST_PORT: String(distPort),
      RABBITMQ_MNESIA_BASE: join(this.#dir, 'mnesia'),
      RABBITMQ_LOG_BASE: join(this.#dir, 'log'),
      RABBITMQ_CONFIG_FILE: join(this.#dir, 'rabbitmq'),
      RABBITMQ_ENABLED_PLUGINS_FILE: join(this.#dir, 'enabled_plugins'),
      RABBITMQ_PID_FILE: join(this.#dir, 'pid'),
    };
  }

  /**
   * Creates and starts a node on free ports. Nodes meant to form a cluster are given the same
   * `cookie` (Erlang distribution lets only nodes with equal cookies talk).
   */
  static async start(label: string, options: { cookie?: string } = {}): Promise<RabbitNode> {
    const port = await freePort();
    const cookie = options.cookie ?? `REMITTEST${port}`;
    const node = new RabbitNode(`remit-${label}-${port}@localhost`, port, await freePort(), cookie);
    await node.start();
    // A failing test must not leave a broker running behind it.
    process.once('exit', () => node.#killSync());
    return node;
  }

  url(port = this.port): string {
    return `amqp://guest:guest@127.0.0.1:${port}`;
  }

  async ctl(...args: string[]): Promise<string> {
    return this.tool('rabbitmqctl', ...args);
  }

  /** Runs one of RabbitMQ's command-line tools (`rabbitmqctl`, `rabbitmq-upgrade`, `rabbitmq-queues`) against this node. */
  async tool(name: 'rabbitmqctl' | 'rabbitmq-upgrade' | 'rabbitmq-queues', ...args: string[]): Promise<string> {
    const { stdout } = await run(join(BIN, name), ['-q', '-n', this.name, ...args], { env: this.#env });
    return stdout;
  }

  async start(): Promise<void> {
    await run(join(BIN, 'rabbitmq-server'), ['-detached'], { env: this.#env, cwd: this.#dir });
    // await_startup fails at once while the VM has not registered its name yet, so ask again.
    const deadline = Date.now() + 90_000;
    for (;;) {
      try {
        await this.ctl('await_startup', '--timeout', '60');
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    }
  }

  /** A graceful stop: the broker closes connections and writes its state. */
  async stop(): Promise<void> {
    await this.ctl('stop').catch(() => {});
  }

  /** `kill -9` of the broker's Erlang VM: no goodbye to clients, no clean shutdown. */
  async kill(): Promise<void> {
    this.#killSync();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** Stops the node and deletes its files. */
  async destroy(): Promise<void> {
    await this.stop();
    this.#killSync();
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #killSync(): void {
    try {
      const pid = Number(readFileSync(join(this.#dir, 'pid'), 'utf8').trim());
      if (pid > 0) {
        process.kill(pid, 'SIGKILL');
        // Wait until the VM is gone, so a restart does not race its open files and ports.
        spawnSync('sh', ['-c', `while kill -0 ${pid} 2>/dev/null; do sleep 0.05; done`], { timeout: 10_000 });
      }
    } catch {
      // No pid file, or the process is already gone.
    }
  }
}
