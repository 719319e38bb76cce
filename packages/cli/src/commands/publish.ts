import type { HeaderValue } from '@remit/core';
import { brokerSettings, GLOBAL_HELP, GLOBAL_OPTIONS, parseCommandArgs } from '../args.js';
import { withBus } from '../bus-session.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';
import { readJsonPayload } from '../json-input.js';

const OPTIONS = {
  ...GLOBAL_OPTIONS,
  header: { type: 'string', multiple: true, short: 'H' },
  persistent: { type: 'boolean', default: true },
  codec: { type: 'string', default: 'superjson' },
  service: { type: 'string', default: 'remit-cli' },
} as const;

const HELP = `Usage: remit publish <event> [json] [options]

Publishes one event to the event exchange and exits once the broker confirmed it. The payload is
the JSON argument, or stdin when it is omitted (remit publish user.created < user.json).

Options:
  -H, --header <k=v>     application header, repeatable; values are strings (meta.headers)
  --persistent           write the event to disk (AMQP deliveryMode 2; default)
  --no-persistent        transient event (deliveryMode 1)
  --codec <name>         superjson (default) or json: the remit-codec header receivers decode with
  --service <name>       publishing service name, the event's appId (default: remit-cli)

${GLOBAL_HELP}

Example:
  remit publish user.created '{"id":"u1","email":"a@b.c"}' --header source=backfill`;

/** `remit publish <event> [json]`: one event, confirmed by the broker before the command exits. */
export const publishCommand: Command = {
  name: 'publish',
  summary: 'publish an event and wait for the broker to confirm it (JSON from stdin when omitted)',
  help: HELP,

  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    if (values.help) {
      writeLine(io.stdout, HELP);
      return ExitCode.ok;
    }
    const [event, json, ...extra] = positionals;
    if (event === undefined) throw new UsageError('missing <event>: remit publish <event> [json].');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}" (quote the JSON payload as one argument).`);
    const codec = values.codec;
    if (codec !== 'json' && codec !== 'superjson') throw new UsageError(`--codec must be json or superjson, got "${codec}".`);
    const headers = parseHeaders(values.header ?? []);
    const payload = await readJsonPayload(json, io);
    const settings = brokerSettings(values, io.env);
    await withBus(settings, { service: values.service, codec }, (bus) =>
      bus.publish(event, payload, { headers, persistent: values.persistent, local: false }),
    );
    writeLine(io.stdout, `published ${event} to ${settings.exchange} (confirmed)`);
    return ExitCode.ok;
  },
};

function parseHeaders(entries: readonly string[]): Record<string, HeaderValue> {
  const headers: Record<string, HeaderValue> = {};
  for (const entry of entries) {
    const separator = entry.indexOf('=');
    if (separator <= 0) throw new UsageError(`--header expects key=value, got "${entry}".`);
    headers[entry.slice(0, separator)] = entry.slice(separator + 1);
  }
  return headers;
}
