import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { AMQP_URL, waitFor } from '../helpers/broker.js';

/** The committed bin, which loads packages/cli/dist: run `pnpm --filter @remit/cli build` first. */
const BIN = fileURLToPath(new URL('../../packages/cli/bin/remit.mjs', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Written to stdin, which is then closed; stdin is empty otherwise. */
  input?: string;
  /** Environment on top of the test's own; AMQP_URL is the test broker unless overridden. */
  env?: Record<string, string | undefined>;
}

/** `remit …` as a real child process, as an operator or a script runs it. */
export class RemitProcess {
  stdout = '';
  stderr = '';
  readonly #child: ChildProcess;
  readonly #exit: Promise<number | null>;

  constructor(args: readonly string[], options: CliOptions = {}) {
    this.#child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, AMQP_URL, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.#child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.#child.stdin?.end(options.input ?? '');
    this.#exit = new Promise((resolve) => this.#child.once('exit', (code) => resolve(code)));
    // A CLI that hangs fails its test instead of the whole run.
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 25_000);
    void this.#exit.then(() => clearTimeout(timer));
  }

  /** Stdout split into lines, without the trailing empty one. */
  lines(): string[] {
    return this.stdout.split('\n').filter((line) => line.length > 0);
  }

  /** JSON lines of stdout (`--json` output), parsed. */
  records(): Record<string, unknown>[] {
    return this.lines().map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  waitForStderr(text: string, timeoutMs = 10_000): Promise<void> {
    return waitFor(`"${text}" on the CLI's stderr (got: ${this.stderr})`, () => this.stderr.includes(text), timeoutMs);
  }

  kill(signal: NodeJS.Signals): void {
    this.#child.kill(signal);
  }

  async result(): Promise<CliResult> {
    const code = await this.#exit;
    return { code, stdout: this.stdout, stderr: this.stderr };
  }
}

/** Runs `remit …` to completion. */
export function remit(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new RemitProcess(args, options).result();
}
