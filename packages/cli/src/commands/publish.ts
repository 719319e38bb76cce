import type { InstanceRef } from '@remit/core';
import { brokerSettings, GLOBAL_HELP, GLOBAL_OPTIONS, parseCommandArgs } from '../args.js';
import { withBus } from '../bus-session.js';
import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';
import { parseHeaders } from '../header-option.js';
import { readJsonPayload } from '../json-input.js';

const OPTIONS = {
  ...GLOBAL_OPTIONS,
  header: { type: 'string', multiple: true, short: 'H' },
  persistent: { type: 'boolean', default: true },
  codec: { type: 'string', default: 'superjson' },
  service: { type: 'string', default: 'remit-cli' },
  to: { type: 'string' },
  ack: { type: 'boolean' },
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
  --to <destination>     only this service (billing) or instance (billing:billing-1) runs handlers
  --ack                  wait until every live instance reported it ran its handlers (up to
                         --timeout); exit code 1 when one failed or did not answer

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
    const options = {
      headers,
      persistent: values.persistent,
      local: false,
      ...(values.to === undefined ? {} : { to: values.to }),
    };
    const published = `published ${event} to ${settings.exchange}${values.to === undefined ? '' : ` for ${values.to}`} (confirmed)`;
    if (values.ack !== true) {
      await withBus(settings, { service: values.service, codec }, (bus) => bus.publish(event, payload, options));
      writeLine(io.stdout, published);
      return ExitCode.ok;
    }
    const report = await withBus(settings, { service: values.service, codec }, (bus) =>
      bus.publish(event, payload, { ...options, ack: true, timeoutMs: settings.timeoutMs }),
    );
    const total = report.acked.length + report.failed.length + report.missing.length;
    writeLine(io.stdout, `${published}; ran on ${report.acked.length} of ${total} live instance${total === 1 ? '' : 's'}`);
    const list = (refs: readonly InstanceRef[]) => refs.map((ref) => `${ref.service}/${ref.instance}`).join(', ');
    if (report.acked.length > 0) writeLine(io.stdout, `  acked    ${list(report.acked)}`);
    if (report.failed.length > 0) writeLine(io.stdout, `  failed   ${list(report.failed)}  (dead-lettered there)`);
    if (report.missing.length > 0) writeLine(io.stdout, `  missing  ${list(report.missing)}  (no answer within ${settings.timeoutMs} ms)`);
    return report.failed.length + report.missing.length === 0 ? ExitCode.ok : ExitCode.failure;
  },
};
