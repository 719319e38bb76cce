import { ConnectionError } from '../errors.js';
import { maskUrl, type NormalizedAmqpOptions } from './amqp-options.js';
import { refusedAccess } from './connection-loop.js';

/** The error of one failed connection attempt, with a hint where amqplib's own message gives none. */
export function attemptError(error: Error, url: string): Error {
  // amqplib reports a refused vhost or permission only as an unexpected close frame.
  const hint = /ConnectionOpenOk/.test(error.message) ? ' (the broker refused to open the connection: does the vhost exist, and may this user use it?)' : '';
  return new Error(`Could not connect to ${maskUrl(url)}: ${error.message}${hint}`);
}

/**
 * Why start() failed: the broker refused the login or vhost (not retried), or no attempt succeeded
 * within connectTimeoutMs. `lastError` is the last attempt's, already made safe to show.
 */
export function startError(cause: unknown, lastError: Error | null, options: NormalizedAmqpOptions, safe: (error: unknown) => Error): ConnectionError {
  if (cause instanceof Error && refusedAccess(cause)) {
    return new ConnectionError(
      `RabbitMQ at ${options.safeUrl} refused the connection: ${lastError?.message ?? safe(cause).message} ` +
        'Check the user name, password and vhost in the URL; remit does not retry a refused login.',
      { cause: lastError ?? safe(cause) },
    );
  }
  const detail = lastError ? ` Last attempt: ${lastError.message}` : '';
  return new ConnectionError(
    `Could not connect to ${options.safeUrl} within ${options.connectTimeoutMs} ms. Is RabbitMQ running and the URL right?${detail}`,
    { cause: lastError ?? safe(cause) },
  );
}

/** Said once per start when the header-decoding guard (safe-headers.ts) could not be installed. */
export const UNGUARDED = new ConnectionError(
  'The installed amqplib is not the version remit was built for (~2.3), so the guard against messages with ' +
    'deeply nested headers is off: such a message can close the connection. Install amqplib 2.3.',
);
