import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AMQP_URL } from './broker.js';

const INSTANCE = fileURLToPath(new URL('../fixtures/instance.mjs', import.meta.url));

export interface InstanceMessage {
  type: string;
  [key: string]: unknown;
}

/**
 * A bus in a child process, with every message it sent kept in order. The script is
 * fixtures/instance.mjs unless another fixture that speaks the same IPC messages is given.
 */
export class ChildInstance {
  readonly messages: InstanceMessage[] = [];
  readonly #child: ChildProcess;
  instanceId = '';

  constructor(config: Record<string, unknown>, script: string = INSTANCE) {
    this.#child = fork(script, {
      env: { ...process.env, REMIT_TEST_CONFIG: JSON.stringify({ url: AMQP_URL, ...config }) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#child.on('message', (message: InstanceMessage) => this.messages.push(message));
  }

  /** Resolves once the child's bus has started. */
  async ready(timeoutMs = 15_000): Promise<void> {
    const message = await this.next('ready', timeoutMs);
    this.instanceId = String(message.instanceId);
  }

  send(message: InstanceMessage): void {
    this.#child.send(message);
  }

  of(type: string): InstanceMessage[] {
    return this.messages.filter((message) => message.type === type);
  }

  next(type: string, timeoutMs = 15_000): Promise<InstanceMessage> {
    const existing = this.messages.find((message) => message.type === type);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`child sent no "${type}" within ${timeoutMs} ms`)), timeoutMs);
      const onMessage = (message: InstanceMessage) => {
        if (message.type !== type) return;
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        resolve(message);
      };
      this.#child.on('message', onMessage);
      this.#child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`child exited with ${code} before sending "${type}"`));
      });
    });
  }

  /** Sends a signal; resolves with the exit code (null when killed by the signal). */
  async signal(signal: NodeJS.Signals): Promise<number | null> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return this.#child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.kill(signal);
    return exited;
  }

  /** Asks the child to close its bus and waits for it to exit; kills it if it does not. */
  async stop(): Promise<number | null> {
    if (this.#child.exitCode !== null) return this.#child.exitCode;
    if (this.#child.signalCode !== null) return null;
    const exited = new Promise<number | null>((resolve) => this.#child.once('exit', (code) => resolve(code)));
    this.#child.send({ type: 'close' });
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  }
}

/**
 * Stops a process started in a group of its own (`spawn(…, { detached: true })`) and every process
 * of that group, as Ctrl+C would: SIGINT, then SIGKILL after 10 s.
 */
export async function stopProcessGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  process.kill(-child.pid, 'SIGINT');
  const timer = setTimeout(() => child.pid && process.kill(-child.pid, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
