import { randomUUID } from 'node:crypto';
import type { ConsumeMessage } from 'amqplib';
import { maskUrl } from '@remit/core';
import { GLOBAL_HELP, integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { connect } from '../connection.js';
import { CliError } from '../errors.js';
import { eventLine } from '../event-format.js';
import { eventRecord, viewEvent } from '../event-view.js';
import { ExitCode } from '../exit-codes.js';
import { exchangeRouting } from '../exchange-routing.js';
import { eventMatcher, topicBindingKeys } from '../glob.js';
import { untilInterrupted, writeLine } from '../io.js';

const HELP = `Usage: remit tail [pattern…] [options]

Prints events live as they are published. Tail reads a copy of every event from its own
exclusive, auto-delete queue bound to the event exchange: it never takes an event away from a
handler, never acknowledges anything on anyone else's queue, and never dead-letters. On a topic
exchange (amqp({ routing: 'topic' })) the queue is bound for the patterns only, so the broker sends
tail nothing else.

Patterns match event names: * within one dot-separated segment, ** across segments, ? one
character (user.* matches user.created, not user.profile.updated). Several patterns: any matches.

Options:
  --json                 one JSON object per line (the default when stdout is not a terminal)
  --no-json              readable lines even when stdout is not a terminal
  --count <n>            exit 0 after n matching events

Stops cleanly (exit 0) on Ctrl-C / SIGINT / SIGTERM.

${GLOBAL_HELP}

Example:
  remit tail 'user.*'
  remit tail --json --count 1 order.placed | jq .payload`;

/** `remit tail [pattern]`: live events, from a queue of its own. */
export const tailCommand = defineCommand({
  name: 'tail',
  summary: 'print events live, from a queue of its own (never takes events from handlers)',
  help: HELP,
  options: {
    json: { type: 'boolean' },
    count: { type: 'string' },
  },

  async run({ values, positionals, broker }, io) {
    const matches = eventMatcher(positionals);
    const limit = integerOption('--count', values.count, Number.POSITIVE_INFINITY, 1);
    const json = values.json ?? io.stdout.isTTY !== true;
    const settings = broker();

    return untilInterrupted(io, async (signal) => {
      const connection = await connect(settings, 'tail');
      try {
        const routing = await exchangeRouting(connection, settings);
        const channel = await connection.channel();
        // The same declaration as every bus makes, so tailing may start before any bus has.
        await channel.assertExchange(settings.exchange, routing, { durable: true });
        const queue = `remit.tail.${randomUUID().slice(0, 8)}`;
        await channel.assertQueue(queue, { exclusive: true, autoDelete: true, durable: false });
        const keys = routing === 'topic' ? topicBindingKeys(positionals) : [''];
        for (const key of keys) await channel.bindQueue(queue, settings.exchange, key);
        // Acks on its own queue bound how much waits in this process when output is slow.
        await channel.prefetch(200, false);

        let printed = 0;
        let finish: (code: ExitCode) => void = () => {};
        const finished = new Promise<ExitCode>((resolve) => (finish = resolve));
        const onMessage = (message: ConsumeMessage | null) => {
          if (message === null) {
            finish(ExitCode.failure);
            writeLine(io.stderr, `remit tail: the broker cancelled the consumer (queue ${queue} was deleted).`);
            return;
          }
          channel.ack(message);
          if (printed >= limit) return;
          const view = viewEvent(message);
          if (!matches(view.name)) return;
          printed++;
          writeLine(io.stdout, json ? JSON.stringify(eventRecord(view)) : eventLine(view, io.stdout));
          if (printed >= limit) finish(ExitCode.ok);
        };
        await channel.consume(queue, onMessage, { noAck: false, exclusive: true });
        const what = positionals.length > 0 ? ` matching ${positionals.join(' ')}` : '';
        const bound = routing === 'topic' ? ` (topic exchange, bound to ${keys.join(' ')})` : '';
        writeLine(io.stderr, `remit tail: listening to ${settings.exchange}${bound} on ${maskUrl(settings.url)}${what}; Ctrl-C to stop.`);

        const stopped = new Promise<ExitCode>((resolve) => {
          if (signal.aborted) resolve(ExitCode.ok);
          signal.addEventListener('abort', () => resolve(ExitCode.ok), { once: true });
        });
        const lost = connection.lost.then((error) => {
          throw new CliError(`lost the connection to ${maskUrl(settings.url)}: ${error.message}`);
        });
        return await Promise.race([finished, stopped, lost]);
      } finally {
        await connection.close();
      }
    });
  },
});
