import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { ConfigError } from '../errors.js';
import { integer, nonEmptyString, rejectUnknownKeys, requireRecord } from '../validate.js';

/** Options of the `amqp()` transport. */
export interface AmqpOptions {
  /** Broker URL, `amqp://user:pass@host:5672/vhost` or `amqps://…`. Required; never defaulted. */
  url: string;
  /**
   * Fanout exchange events are published to.
   * @default 'remit.events'
   */
  exchange?: string;
  /**
   * Exchange (fanout) and queue that hold dead letters.
   * @default 'remit.dead'
   */
  deadLetter?: string;
  /**
   * AMQP heartbeat; a silent broker is declared dead after about two intervals.
   * @default 10
   */
  heartbeatSeconds?: number;
  /**
   * `start()` rejects with ConnectionError when the first connection takes longer.
   * @default 30000
   */
  connectTimeoutMs?: number;
  /** Reconnect backoff (exponential, with jitter). */
  reconnect?: {
    /** @default 100 */
    initialDelayMs?: number;
    /** @default 5000 */
    maxDelayMs?: number;
  };
  /** Bounds of the outbox that holds publishes while disconnected or unconfirmed. */
  outbox?: {
    /** @default 10000 */
    maxMessages?: number;
    /** @default 67108864 (64 MiB) */
    maxBytes?: number;
  };
  /** TLS options for `amqps://` (ca, cert, key, servername, …), passed to `tls.connect`. */
  tls?: TlsOptions;
  /**
   * Connection name shown in the RabbitMQ management UI.
   * @default 'remit <service> <instanceId>'
   */
  connectionName?: string;
}

export interface NormalizedAmqpOptions {
  url: string;
  /** The URL with its password masked, for messages and logs. */
  safeUrl: string;
  /** Secrets to scrub from any error text before it leaves the transport. */
  secrets: string[];
  exchange: string;
  deadLetter: string;
  heartbeatSeconds: number;
  connectTimeoutMs: number;
  reconnect: { initialDelayMs: number; maxDelayMs: number };
  outbox: { maxMessages: number; maxBytes: number };
  tls: TlsOptions | undefined;
  connectionName: string | undefined;
}

const KEYS = [
  'url',
  'exchange',
  'deadLetter',
  'heartbeatSeconds',
  'connectTimeoutMs',
  'reconnect',
  'outbox',
  'tls',
  'connectionName',
] as const;

/** Masks the password of an AMQP URL. Never throws: an unparsable URL is masked whole. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparsable url>';
  }
}

function parseUrl(value: unknown): { url: string; safeUrl: string; secrets: string[] } {
  if (typeof value !== 'string') {
    throw new ConfigError('transport.url', `expected an amqp:// or amqps:// URL string, got ${typeof value}.`);
  }
  // An empty URL is a missing environment variable, not a request for localhost.
  if (value.trim() === '') throw new ConfigError('transport.url', 'is empty. Set it, e.g. amqp://user:pass@host:5672.');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError('transport.url', `"${maskUrl(value)}" is not a URL. Expected amqp://user:pass@host:5672/vhost.`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new ConfigError('transport.url', `protocol "${parsed.protocol}" is not supported; use amqp: or amqps:.`);
  }
  if (!parsed.hostname) throw new ConfigError('transport.url', 'has no host name.');
  const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((secret) => secret.length > 0);
  return { url: value, safeUrl: maskUrl(value), secrets };
}

/** Checks every amqp() option and applies every default. */
export function normalizeAmqpOptions(input: unknown): NormalizedAmqpOptions {
  const options = requireRecord('transport', input);
  rejectUnknownKeys('transport', options, KEYS);
  const { url, safeUrl, secrets } = parseUrl(options.url);
  const reconnect = requireRecord('transport.reconnect', options.reconnect ?? {});
  rejectUnknownKeys('transport.reconnect', reconnect, ['initialDelayMs', 'maxDelayMs']);
  const outbox = requireRecord('transport.outbox', options.outbox ?? {});
  rejectUnknownKeys('transport.outbox', outbox, ['maxMessages', 'maxBytes']);
  const initialDelayMs = integer('transport.reconnect.initialDelayMs', reconnect.initialDelayMs, 100, { min: 1 });
  return {
    url,
    safeUrl,
    secrets,
    exchange: nonEmptyString('transport.exchange', options.exchange, 'remit.events'),
    deadLetter: nonEmptyString('transport.deadLetter', options.deadLetter, 'remit.dead'),
    heartbeatSeconds: integer('transport.heartbeatSeconds', options.heartbeatSeconds, 10, { min: 0, max: 3600 }),
    connectTimeoutMs: integer('transport.connectTimeoutMs', options.connectTimeoutMs, 30_000, { min: 1 }),
    reconnect: {
      initialDelayMs,
      maxDelayMs: integer('transport.reconnect.maxDelayMs', reconnect.maxDelayMs, Math.max(5000, initialDelayMs), {
        min: initialDelayMs,
      }),
    },
    outbox: {
      maxMessages: integer('transport.outbox.maxMessages', outbox.maxMessages, 10_000, { min: 1 }),
      maxBytes: integer('transport.outbox.maxBytes', outbox.maxBytes, 64 * 1024 * 1024, { min: 1 }),
    },
    tls: options.tls === undefined ? undefined : (requireRecord('transport.tls', options.tls) as TlsOptions),
    connectionName:
      options.connectionName === undefined ? undefined : nonEmptyString('transport.connectionName', options.connectionName),
  };
}

/** Replaces every secret in a text with `***`. */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join('***');
  return result;
}
