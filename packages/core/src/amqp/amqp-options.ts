import type { ConnectionOptions as TlsOptions } from 'node:tls';
import type { SocketOptions } from 'amqplib';
import { ConfigError } from '../errors.js';
import { integer, nonEmptyString, rejectUnknownKeys, requireRecord } from '../config-checks.js';

/** The events exchange of a bus that names no other. */
export const DEFAULT_EXCHANGE = 'remit.events';
export const DEFAULT_DEAD_LETTER = 'remit.dead';

/** Options of the `amqp()` transport. */
export interface AmqpOptions {
  /**
   * Broker URL, `amqp://user:pass@host:5672/vhost` or `amqps://…`, or the URLs of a cluster's
   * nodes: each reconnect attempt moves to the next. Required; an empty URL is an error, never
   * localhost.
   */
  url: string | readonly string[];
  /**
   * Exchange events are published to. Give each system sharing a broker its own; group queues of a
   * bus on another exchange than the default are named `remit.group.<group>@<exchange>`.
   * @default 'remit.events'
   */
  exchange?: string;
  /**
   * How the events exchange routes. `'fanout'`: every queue receives every event, and each bus
   * drops what it has no handler for. `'topic'`: each queue is bound once per event name or
   * pattern its handlers need (`order.*`, `#`), so an instance receives only what it handles
   * (docs/scaling.md). An exchange cannot change type: switch to topic on a new exchange name,
   * e.g. `remit.events.topic`.
   * @default 'fanout'
   */
  routing?: Routing;
  /**
   * Exchange (fanout) and queue that hold dead letters.
   * @default 'remit.dead'
   */
  deadLetter?: string;
  /**
   * Direct exchange requests are published to (routing key = request name); each service's request
   * queue is bound to it once per name it serves.
   * @default 'remit.requests'
   */
  requestExchange?: string;
  /**
   * Type of each service's request queue. `'quorum'`: requests keep waiting while a node of a
   * cluster is down. `'classic'`: about 30 % more requests/s at full speed (docs/scaling.md), but
   * the queue is gone, and its requests with it, while its node is down. A queue that already
   * exists with the other type is used as it is.
   * @default 'quorum'
   */
  requestQueueType?: 'quorum' | 'classic';
  /**
   * Fanout exchange of presence (announce, heartbeat, goodbye). Buses see each other's presence
   * only when they share it, so give each system on one broker its own, like `exchange`.
   * @default 'remit.presence'
   */
  presenceExchange?: string;
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
    /**
     * Longest wait between attempts, jitter included. Short, so consuming resumes within a second
     * of the broker answering again; an attempt against a down broker costs one refused connect.
     * @default 500
     */
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

/** How the events exchange routes: to every queue, or by event name (docs/scaling.md). */
export type Routing = 'fanout' | 'topic';

export interface NormalizedAmqpOptions {
  urls: string[];
  /** The URLs with their passwords masked, for messages and logs. */
  safeUrl: string;
  /** Secrets to scrub from any error text before it leaves the transport. */
  secrets: string[];
  exchange: string;
  routing: Routing;
  deadLetter: string;
  requestExchange: string;
  requestQueueType: 'quorum' | 'classic';
  presenceExchange: string;
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
  'routing',
  'deadLetter',
  'requestExchange',
  'requestQueueType',
  'presenceExchange',
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

function parseUrl(field: string, value: unknown): { url: string; secrets: string[] } {
  if (typeof value !== 'string') {
    throw new ConfigError(field, `expected an amqp:// or amqps:// URL string, got ${typeof value}.`);
  }
  // An empty URL is a missing environment variable, not a request for localhost.
  if (value.trim() === '') throw new ConfigError(field, 'is empty. Set it, e.g. amqp://user:pass@host:5672.');
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(field, `"${maskUrl(value)}" is not a URL. Expected amqp://user:pass@host:5672/vhost.`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new ConfigError(field, `protocol "${parsed.protocol}" is not supported; use amqp: or amqps:.`);
  }
  if (!parsed.hostname) throw new ConfigError(field, 'has no host name.');
  const secrets = [parsed.password, decodeURIComponent(parsed.password)].filter((secret) => secret.length > 0);
  return { url: value, secrets };
}

function parseUrls(value: unknown): { urls: string[]; safeUrl: string; secrets: string[] } {
  if (!Array.isArray(value)) {
    const { url, secrets } = parseUrl('transport.url', value);
    return { urls: [url], safeUrl: maskUrl(url), secrets };
  }
  if (value.length === 0) throw new ConfigError('transport.url', 'is an empty list; give at least one broker URL.');
  const parsed = value.map((entry: unknown, index) => parseUrl(`transport.url[${index}]`, entry));
  return {
    urls: parsed.map((entry) => entry.url),
    safeUrl: parsed.map((entry) => maskUrl(entry.url)).join(', '),
    secrets: parsed.flatMap((entry) => entry.secrets),
  };
}

/** TLS options apply to amqps:// URLs only; with an amqp:// URL they would be ignored and the connection plaintext. */
function tlsOption(value: unknown, urls: readonly string[]): TlsOptions | undefined {
  if (value === undefined) return undefined;
  const tls = requireRecord('transport.tls', value) as TlsOptions;
  const plain = urls.find((url) => url.startsWith('amqp:'));
  if (plain !== undefined) {
    throw new ConfigError(
      'transport.tls',
      `TLS options were given, but ${maskUrl(plain)} is a plaintext amqp:// URL, so they would be ignored. Use amqps:// to connect with TLS.`,
    );
  }
  return tls;
}

function routingOption(value: unknown): Routing {
  if (value === undefined) return 'fanout';
  if (value === 'fanout' || value === 'topic') return value;
  throw new ConfigError('transport.routing', `expected 'fanout' or 'topic', got ${typeof value === 'string' ? `"${value}"` : typeof value}.`);
}

function requestQueueTypeOption(value: unknown): 'quorum' | 'classic' {
  if (value === undefined) return 'quorum';
  if (value === 'quorum' || value === 'classic') return value;
  throw new ConfigError('transport.requestQueueType', `expected 'quorum' or 'classic', got ${typeof value === 'string' ? `"${value}"` : typeof value}.`);
}

/** Checks every amqp() option and applies every default. */
export function normalizeAmqpOptions(input: unknown): NormalizedAmqpOptions {
  const options = requireRecord('transport', input);
  rejectUnknownKeys('transport', options, KEYS);
  const { urls, safeUrl, secrets } = parseUrls(options.url);
  const reconnect = requireRecord('transport.reconnect', options.reconnect ?? {});
  rejectUnknownKeys('transport.reconnect', reconnect, ['initialDelayMs', 'maxDelayMs']);
  const outbox = requireRecord('transport.outbox', options.outbox ?? {});
  rejectUnknownKeys('transport.outbox', outbox, ['maxMessages', 'maxBytes']);
  const initialDelayMs = integer('transport.reconnect.initialDelayMs', reconnect.initialDelayMs, 100, { min: 1 });
  return {
    urls,
    safeUrl,
    secrets,
    exchange: nonEmptyString('transport.exchange', options.exchange, DEFAULT_EXCHANGE),
    routing: routingOption(options.routing),
    deadLetter: nonEmptyString('transport.deadLetter', options.deadLetter, DEFAULT_DEAD_LETTER),
    requestExchange: nonEmptyString('transport.requestExchange', options.requestExchange, 'remit.requests'),
    requestQueueType: requestQueueTypeOption(options.requestQueueType),
    presenceExchange: nonEmptyString('transport.presenceExchange', options.presenceExchange, 'remit.presence'),
    heartbeatSeconds: integer('transport.heartbeatSeconds', options.heartbeatSeconds, 10, { min: 0, max: 3600 }),
    connectTimeoutMs: integer('transport.connectTimeoutMs', options.connectTimeoutMs, 30_000, { min: 1 }),
    reconnect: {
      initialDelayMs,
      maxDelayMs: integer('transport.reconnect.maxDelayMs', reconnect.maxDelayMs, Math.max(500, initialDelayMs), {
        min: initialDelayMs,
      }),
    },
    outbox: {
      maxMessages: integer('transport.outbox.maxMessages', outbox.maxMessages, 10_000, { min: 1 }),
      maxBytes: integer('transport.outbox.maxBytes', outbox.maxBytes, 64 * 1024 * 1024, { min: 1 }),
    },
    tls: tlsOption(options.tls, urls),
    connectionName:
      options.connectionName === undefined ? undefined : nonEmptyString('transport.connectionName', options.connectionName),
  };
}

/** `scheme://user:password@` in a text; the user part may be empty. */
const URL_CREDENTIALS = /(amqps?:\/\/)([^:@/\s]*):([^@\s]*)@/g;

/**
 * Replaces every secret in a text with `***`. URLs are masked the way maskUrl masks them (the user
 * stays, the password goes), even where the user name equals the password, so a URL reads the
 * same in every message.
 */
export function redact(text: string, secrets: readonly string[]): string {
  const parts = text.split(URL_CREDENTIALS);
  // split() with a capturing pattern interleaves: text, scheme, user, password, text, …
  let result = '';
  for (let index = 0; index < parts.length; index += 4) {
    let plain = parts[index] ?? '';
    for (const secret of secrets) plain = plain.split(secret).join('***');
    result += plain;
    if (index + 3 < parts.length) result += `${parts[index + 1] ?? ''}${parts[index + 2] ?? ''}:***@`;
  }
  return result;
}

/** The URLs to connect to, each with the heartbeat asked for unless the URL sets its own. */
export function connectionUrls(options: NormalizedAmqpOptions): string[] {
  return options.urls.map((raw) => {
    const url = new URL(raw);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(options.heartbeatSeconds));
    return url.toString();
  });
}

/** Socket options of every connection: TLS, no Nagle delay, and a name the management UI shows. */
export function socketOptions(options: NormalizedAmqpOptions, context: { service: string; instanceId: string }): SocketOptions {
  return {
    // node:tls options, which amqplib passes to tls.connect; its own type omits `| undefined`.
    ...(options.tls as SocketOptions | undefined),
    // Small frames (acks, confirms) share the socket with publishes; with Nagle's algorithm
    // on, they wait for the peer's delayed TCP ack (measured: p50 27 ms instead of 0.5 ms).
    noDelay: true,
    clientProperties: {
      connection_name: options.connectionName ?? `remit ${context.service} ${context.instanceId}`,
    },
  };
}
