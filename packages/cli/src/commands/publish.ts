import type { FailureReport, InstanceRef } from '@remit/core';
import { GLOBAL_HELP } from '../args.js';
import { defineCommand } from '../command.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';
import { MESSAGE_OPTIONS, readOutgoingMessage } from '../outgoing-message.js';

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
  --allow-unrouted       exit 0 even when no queue took the event (the broker returned it);
                         without it, that is exit code 1

${GLOBAL_HELP}

Example:
  remit publish user.created '{"id":"u1","email":"a@b.c"}' --header source=backfill`;

/** `remit publish <event> [json]`: one event, confirmed by the broker before the command exits. */
export const publishCommand = defineCommand({
  name: 'publish',
  summary: 'publish an event and wait for the broker to confirm it (JSON from stdin when omitted)',
  help: HELP,
  options: {
    ...MESSAGE_OPTIONS,
    persistent: { type: 'boolean', default: true },
    to: { type: 'string' },
    ack: { type: 'boolean' },
    'allow-unrouted': { type: 'boolean' },
  },

  async run(input, io) {
    const { values } = input;
    const message = await readOutgoingMessage(input, { command: 'publish', argument: '<event>' }, io);
    const { name: event, payload, settings } = message;
    const options = {
      headers: message.headers,
      persistent: values.persistent,
      local: false,
      ...(values.to === undefined ? {} : { to: values.to }),
    };
    const published = `published ${event} to ${settings.exchange}${values.to === undefined ? '' : ` for ${values.to}`} (confirmed)`;
    // The broker returns an event no queue is bound for before it confirms it: known by the time publish() resolves.
    let unrouted = false;
    const onError = (report: FailureReport) => {
      if (report.kind === 'unroutable') unrouted = true;
    };
    const refuseUnrouted = (): ExitCode | null => {
      if (!unrouted) return null;
      if (values['allow-unrouted'] === true) {
        writeLine(io.stdout, `${published}, but no queue took it: nothing is bound to ${settings.exchange}`);
        return ExitCode.ok;
      }
      writeLine(
        io.stderr,
        `remit publish: the broker confirmed ${event} but returned it: no queue is bound to ${settings.exchange}, so nobody ` +
          'received it. Start a consumer first, check --exchange, or pass --allow-unrouted to accept this.',
      );
      return ExitCode.failure;
    };
    if (values.ack !== true) {
      await message.withBus((bus) => bus.publish(event, payload, options), onError);
      const refused = refuseUnrouted();
      if (refused !== null) return refused;
      writeLine(io.stdout, published);
      return ExitCode.ok;
    }
    const report = await message.withBus(
      (bus) => bus.publish(event, payload, { ...options, ack: true, timeoutMs: settings.timeoutMs }),
      onError,
    );
    const refused = refuseUnrouted();
    if (refused !== null) return refused;
    const total = report.acked.length + report.failed.length + report.missing.length;
    writeLine(io.stdout, `${published}; ran on ${report.acked.length} of ${total} live instance${total === 1 ? '' : 's'}`);
    const list = (refs: readonly InstanceRef[]) => refs.map((ref) => `${ref.service}/${ref.instance}`).join(', ');
    if (report.acked.length > 0) writeLine(io.stdout, `  acked    ${list(report.acked)}`);
    if (report.failed.length > 0) writeLine(io.stdout, `  failed   ${list(report.failed)}  (dead-lettered there)`);
    if (report.missing.length > 0) writeLine(io.stdout, `  missing  ${list(report.missing)}  (no answer within ${settings.timeoutMs} ms)`);
    return report.failed.length + report.missing.length === 0 ? ExitCode.ok : ExitCode.failure;
  },
});
