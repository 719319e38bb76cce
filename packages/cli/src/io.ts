import { styleText } from 'node:util';

/** Where a command writes. Process streams by default; tests pass their own. */
export interface OutputStream {
  write(chunk: string): unknown;
  readonly isTTY?: boolean;
  hasColors?(): boolean;
}

/** Everything a command touches outside itself, so `main()` runs the same in a test. */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  stdin: AsyncIterable<string | Buffer> & { readonly isTTY?: boolean };
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Ends long-running commands (`tail`) cleanly when aborted.
   * @default aborted by SIGINT or SIGTERM, while such a command runs
   */
  signal?: AbortSignal;
}

/** The real process: its streams, environment and signals. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

type Style = Parameters<typeof styleText>[0];

/** Colours text when the stream is a terminal that wants colours (honours NO_COLOR and FORCE_COLOR). */
export function painter(stream: OutputStream): (style: Style, text: string) => string {
  const colors = stream.isTTY === true && typeof stream.hasColors === 'function' && stream.hasColors();
  return colors ? (style, text) => styleText(style, text) : (_style, text) => text;
}

/** Writes a line. */
export function writeLine(stream: OutputStream, line: string): void {
  stream.write(`${line}\n`);
}

/**
 * Wraps a stream so that no secret (a broker password) can reach it, whatever code path prints:
 * error messages from amqplib, payloads, echoed options.
 */
export function redacting(stream: OutputStream, secrets: readonly string[]): OutputStream {
  if (secrets.length === 0) return stream;
  const scrub = (text: string) => secrets.reduce((result, secret) => result.split(secret).join('***'), text);
  return {
    write: (chunk: string) => stream.write(scrub(chunk)),
    ...(stream.isTTY === undefined ? {} : { isTTY: stream.isTTY }),
    ...(stream.hasColors ? { hasColors: () => stream.hasColors?.() ?? false } : {}),
  };
}

/** Reads all of stdin as text. */
export async function readAll(stdin: CliIo['stdin']): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * An AbortSignal for SIGINT/SIGTERM while `work` runs; the listeners are removed afterwards, so
 * other commands keep Node's default Ctrl-C behaviour.
 */
export async function untilInterrupted<T>(io: CliIo, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (io.signal) return work(io.signal);
  const controller = new AbortController();
  const stop = () => controller.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
