import { parseArgs, type ParseArgsConfig } from 'node:util';
import { maskUrl } from '@remit/core';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';

/** parseArgs option declarations, as a command lists them. */
export type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  url: { type: 'string' },
  exchange: { type: 'string' },
  routing: { type: 'string' },
  'dead-letter': { type: 'string' },
  'request-exchange': { type: 'string' },
  'presence-exchange': { type: 'string' },
  timeout: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies OptionsConfig;

export const GLOBAL_HELP = `Global options:
  --url <url>                  broker URL, amqp://user:pass@host:5672/vhost or amqps://… (default: $AMQP_URL)
  --exchange <name>            event exchange (default: remit.events)
  --routing <fanout|topic>     how the event exchange routes, when a command must create it; an
                               existing exchange is used as the type it has (default: fanout)
  --dead-letter <name>         dead-letter exchange and queue (default: remit.dead)
  --request-exchange <name>    request exchange (default: remit.requests)
  --presence-exchange <name>   presence exchange (default: remit.presence)
  --timeout <ms>               how long to wait for the broker, a confirm, acks or a reply (default: 10000)
  -h, --help                   show this help`;

// The same defaults as @remit/core's amqp() options (exchange, deadLetter, requestExchange,
// presenceExchange), so the CLI and every bus meet on the same names unless told otherwise.
const DEFAULT_EXCHANGE = 'remit.events';
const DEFAULT_DEAD_LETTER = 'remit.dead';
const DEFAULT_REQUEST_EXCHANGE = 'remit.requests';
const DEFAULT_PRESENCE_EXCHANGE = 'remit.presence';
const DEFAULT_TIMEOUT_MS = 10_000;

type StrictConfig<T extends OptionsConfig> = {
  args: string[];
  options: T;
  strict: true;
  allowPositionals: true;
  allowNegative: true;
};

export type ParsedCommandArgs<T extends OptionsConfig> = ReturnType<typeof parseArgs<StrictConfig<T>>>;

/**
 * `parseArgs` in strict mode (unknown flags are errors), with `--no-<flag>` negation; any parse
 * problem becomes a UsageError (exit code 2).
 */
export function parseCommandArgs<T extends OptionsConfig>(args: string[], options: T): ParsedCommandArgs<T> {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: true, allowNegative: true });
  } catch (caught) {
    const message = caught instanceof Error ? caught.message : String(caught);
    // Node's text for an unknown flag goes on about positionals; the flag is what matters.
    const unknown = /^Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown option "${unknown[1]}".` : message);
  }
}

/** Where the broker is and which names to use, from global options and the environment. */
export interface BrokerSettings {
  url: string;
  exchange: string;
  /** The event exchange's type when a command has to declare it; an existing one keeps its own. */
  routing: 'fanout' | 'topic';
  deadLetter: string;
  requestExchange: string;
  presenceExchange: string;
  timeoutMs: number;
}

interface GlobalValues {
  url?: string | undefined;
  exchange?: string | undefined;
  routing?: string | undefined;
  'dead-letter'?: string | undefined;
  'request-exchange'?: string | undefined;
  'presence-exchange'?: string | undefined;
  timeout?: string | undefined;
}

export function brokerSettings(values: GlobalValues, env: CliIo['env']): BrokerSettings {
  const url = values.url ?? env.AMQP_URL;
  if (url === undefined || url.trim() === '') {
    throw new UsageError('no broker URL: pass --url amqp://user:pass@host:5672 or set AMQP_URL.');
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`"${maskUrl(url)}" is not a URL; expected amqp://user:pass@host:5672/vhost.`);
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') {
    throw new UsageError(`URL protocol "${parsed.protocol}" is not supported; use amqp: or amqps:.`);
  }
  return {
    url,
    exchange: name('--exchange', values.exchange, DEFAULT_EXCHANGE),
    routing: routingOption(values.routing),
    deadLetter: name('--dead-letter', values['dead-letter'], DEFAULT_DEAD_LETTER),
    requestExchange: name('--request-exchange', values['request-exchange'], DEFAULT_REQUEST_EXCHANGE),
    presenceExchange: name('--presence-exchange', values['presence-exchange'], DEFAULT_PRESENCE_EXCHANGE),
    timeoutMs: integerOption('--timeout', values.timeout, DEFAULT_TIMEOUT_MS, 1),
  };
}

function routingOption(value: string | undefined): BrokerSettings['routing'] {
  if (value === undefined) return 'fanout';
  if (value === 'fanout' || value === 'topic') return value;
  throw new UsageError(`--routing must be fanout or topic, not "${value}".`);
}

function name(flag: string, value: string | undefined, fallback: string): string {
  if (value === undefined) return fallback;
  if (value.trim() === '') throw new UsageError(`${flag} is empty.`);
  return value;
}

/** A whole number from a flag, at least `min`. */
export function integerOption(flag: string, value: string | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < min) {
    throw new UsageError(`${flag} expects a whole number of at least ${min}, got "${value}".`);
  }
  return number;
}

/**
 * Passwords of every broker URL the command line or environment names, found before any parsing,
 * so that not even a usage error can echo one.
 */
export function secretsIn(argv: readonly string[], env: CliIo['env']): string[] {
  const urls: string[] = [];
  if (env.AMQP_URL) urls.push(env.AMQP_URL);
  argv.forEach((arg, index) => {
    if (arg === '--url') {
      const next = argv[index + 1];
      if (next !== undefined) urls.push(next);
    } else if (arg.startsWith('--url=')) {
      urls.push(arg.slice('--url='.length));
    }
  });
  const secrets = new Set<string>();
  for (const url of urls) {
    const password = passwordOf(url);
    // Masking a one- or two-letter password would mangle every message that contains those letters.
    if (password.length < 3) continue;
    secrets.add(password);
    try {
      secrets.add(decodeURIComponent(password));
    } catch {
      // A malformed escape: the raw form is already covered.
    }
  }
  // Longest first, so a secret that contains another is scrubbed whole.
  return [...secrets].sort((a, b) => b.length - a.length);
}

function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    // Unparsable: take what sits between "user:" and "@", if anything.
    return /^[a-z]+:\/\/[^:/@]*:([^@]*)@/i.exec(url)?.[1] ?? '';
  }
}
