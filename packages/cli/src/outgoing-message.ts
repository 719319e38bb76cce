import type { Bus, FailureReport, HeaderValue } from '@remit/core';
import type { BrokerSettings, OptionsConfig } from './args.js';
import { withBus } from './bus-session.js';
import type { CommandInput } from './command.js';
import { UsageError } from './errors.js';
import { parseHeaders } from './header-option.js';
import type { CliIo } from './io.js';
import { readJsonPayload } from './json-input.js';

/** The options `remit publish` and `remit request` share: headers, and how their bus sends. */
export const MESSAGE_OPTIONS = {
  header: { type: 'string', multiple: true, short: 'H' },
  codec: { type: 'string', default: 'superjson' },
  service: { type: 'string', default: 'remit-cli' },
} as const satisfies OptionsConfig;

/** What `remit publish` and `remit request` send: `<name> [json]` and the shared options, checked. */
export interface OutgoingMessage {
  /** The event's or the request's name. */
  readonly name: string;
  readonly payload: unknown;
  readonly headers: Record<string, HeaderValue>;
  readonly settings: BrokerSettings;
  /** Runs `work` with a started bus that sends as --service and encodes with --codec; `onError` hears its failures. */
  withBus<T>(work: (bus: Bus) => Promise<T>, onError?: (report: FailureReport) => void): Promise<T>;
}

/** How a usage error names the command: `remit publish <event> [json]`. */
export interface MessageSyntax {
  readonly command: string;
  readonly argument: string;
}

/**
 * Reads `<name> [json]` and the shared options. The order of the checks decides which usage
 * error a wrong command line gets: arguments, --codec, --header, the payload, then the broker.
 */
export async function readOutgoingMessage(
  { values, positionals, broker }: CommandInput<typeof MESSAGE_OPTIONS>,
  syntax: MessageSyntax,
  io: CliIo,
): Promise<OutgoingMessage> {
  const [name, json, ...extra] = positionals;
  if (name === undefined) {
    throw new UsageError(`missing ${syntax.argument}: remit ${syntax.command} ${syntax.argument} [json].`);
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (quote the JSON payload as one argument).`);
  const codec = values.codec;
  if (codec !== 'json' && codec !== 'superjson') throw new UsageError(`--codec must be json or superjson, got "${codec}".`);
  const headers = parseHeaders(values.header ?? []);
  const payload = await readJsonPayload(json, io);
  const settings = broker();
  return {
    name,
    payload,
    headers,
    settings,
    withBus: (work, onError) => withBus(settings, { service: values.service, codec, ...(onError === undefined ? {} : { onError }) }, work),
  };
}
