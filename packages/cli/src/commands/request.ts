import { NoResponderError, RemoteError, RequestTimeoutError } from '@remit/core';
import { GLOBAL_HELP } from '../args.js';
import { defineCommand } from '../command.js';
import { CliError } from '../errors.js';
import { showPayload } from '../event-format.js';
import { ExitCode } from '../exit-codes.js';
import { painter, writeLine } from '../io.js';
import { MESSAGE_OPTIONS, readOutgoingMessage } from '../outgoing-message.js';
import { toPlainJson } from '../plain-json.js';

const HELP = `Usage: remit request <name> [json] [options]

Sends a request to one instance of the service that serves <name> (bus.handle) and prints its
reply. The payload is the JSON argument, or stdin when it is omitted.

Options:
  -H, --header <k=v>     application header, repeatable; values are strings (meta.headers)
  --codec <name>         superjson (default) or json
  --service <name>       the asking service's name (default: remit-cli)
  --json                 print the reply as one line of JSON (the default when stdout is not a terminal)
  --no-json              print the reply readably even when stdout is not a terminal

--timeout is how long to wait for the reply (default: 10000 ms).
Exit codes: 0 replied, 3 nobody serves <name> or no reply in time, 4 the handler threw.

${GLOBAL_HELP}

Example:
  remit request price.quote '{"sku":"A-1"}'
  remit request price.quote '{"sku":"A-1"}' --json | jq .cents`;

/** `remit request <name> [json]`: one request/reply, through @remit/core's `bus.request`. */
export const requestCommand = defineCommand({
  name: 'request',
  summary: 'send a request to one instance that serves it and print the reply',
  help: HELP,
  options: {
    ...MESSAGE_OPTIONS,
    json: { type: 'boolean' },
  },

  async run(input, io) {
    const message = await readOutgoingMessage(input, { command: 'request', argument: '<name>' }, io);
    const reply = await message.withBus(async (bus) => {
      try {
        return await bus.request(message.name, message.payload, { timeoutMs: message.settings.timeoutMs, headers: message.headers });
      } catch (caught) {
        throw requestError(caught);
      }
    });
    const asJson = input.values.json ?? io.stdout.isTTY !== true;
    const colors = painter(io.stdout)('red', 'x') !== 'x';
    writeLine(io.stdout, asJson ? JSON.stringify(toPlainJson(reply)) : showPayload(reply, colors));
    return ExitCode.ok;
  },
});

/** Scripts branch on why a request failed: nobody answered (3), or the answer was an error (4). */
function requestError(caught: unknown): unknown {
  if (caught instanceof NoResponderError || caught instanceof RequestTimeoutError) {
    return new CliError(caught.message, ExitCode.noReply, { cause: caught });
  }
  if (caught instanceof RemoteError) {
    const code = caught.remoteCode === undefined ? '' : ` (code ${caught.remoteCode})`;
    const stack = caught.remoteStack === undefined ? '' : `\nremote stack:\n${caught.remoteStack}`;
    return new CliError(`${caught.message}${code}${stack}`, ExitCode.remoteError, { cause: caught });
  }
  return caught;
}
