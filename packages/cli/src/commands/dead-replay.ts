import type { GetMessage } from 'amqplib';
import { GLOBAL_HELP } from '../args.js';
import { defineCommand } from '../command.js';
import { connect } from '../connection.js';
import { deadInfo } from '../dead-letter-view.js';
import {
  deadQueueDepth,
  putBack,
  republish,
  replayProperties,
  type ReplayTarget,
  requireExchange,
  takeDeadLetters,
} from '../dead-queue.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';

const HELP = `Usage: remit dead replay (--id <messageId>… | --all) [options]

Republishes dead letters with their original routing key, properties, headers and body, minus
the headers dead-lettering added (remit-dead-*, x-death, x-first-death-*, x-last-death-*,
x-delivery-count). Each one is removed from the dead-letter queue only after the broker
confirmed its republish and a queue took it; anything else stays where it was.

Options:
  --id <messageId>       replay this message; repeatable
  --all                  replay every message in the dead-letter queue
  --to-queue             send each back to the queue it died in (its remit-dead-queue header)
                         instead of the event exchange, so other services do not see it twice
  --new-id               give each replayed message a new messageId. Needed when the instance
                         that dead-lettered it still runs: it remembers the id and drops a
                         replay with the same id as a duplicate

Exit code 1 when a message could not be replayed or an --id was not found.

${GLOBAL_HELP}

Example:
  remit dead replay --id 0b6f3c6e-8f5e-4a43-9a55-3b2d4b0f1f7e
  remit dead replay --all --to-queue --new-id`;

interface Outcome {
  replayed: number;
  kept: string[];
}

/** `remit dead replay`: dead letters back to the event exchange (or their queue), removed once confirmed. */
export const deadReplayCommand = defineCommand({
  name: 'dead replay',
  summary: 'republish dead letters, removing each once the broker confirmed it',
  help: HELP,
  options: {
    id: { type: 'string', multiple: true },
    all: { type: 'boolean' },
    'to-queue': { type: 'boolean' },
    'new-id': { type: 'boolean' },
  },
  noArguments: 'pass ids with --id',

  async run({ values, broker }, io) {
    const ids = values.id === undefined ? null : new Set(values.id);
    if ((ids === null) === (values.all !== true)) throw new UsageError('say what to replay: --id <messageId> (repeatable) or --all.');
    const settings = broker();
    const connection = await connect(settings, 'dead replay');
    try {
      const depth = await deadQueueDepth(connection, settings.deadLetter);
      if (values['to-queue'] !== true) await requireExchange(connection, settings.exchange);
      const channel = await connection.confirmChannel();
      const messages = await takeDeadLetters(channel, settings.deadLetter, depth);
      const selected = ids === null ? messages : messages.filter((message) => ids.has(String(message.properties.messageId)));
      putBack(
        channel,
        messages.filter((message) => !selected.includes(message)),
      );
      const outcome: Outcome = { replayed: 0, kept: [] };
      for (const message of selected) {
        const problem = await replayOne(channel, message, {
          exchange: settings.exchange,
          toQueue: values['to-queue'] === true,
          newId: values['new-id'] === true,
        });
        if (problem === null) {
          channel.ack(message);
          outcome.replayed++;
        } else {
          channel.nack(message, false, true);
          outcome.kept.push(`${String(message.properties.messageId)}: ${problem}`);
        }
      }
      await channel.close();
      const found = new Set(selected.map((message) => String(message.properties.messageId)));
      const missing = ids === null ? [] : [...ids].filter((id) => !found.has(id));
      const target = values['to-queue'] ? 'their queues' : settings.exchange;
      writeLine(io.stdout, `replayed ${outcome.replayed} dead letter${outcome.replayed === 1 ? '' : 's'} from ${settings.deadLetter} to ${target}`);
      for (const kept of outcome.kept) writeLine(io.stderr, `not replayed, left in ${settings.deadLetter}: ${kept}`);
      for (const id of missing) writeLine(io.stderr, `not found in ${settings.deadLetter}: ${id}`);
      return outcome.kept.length === 0 && missing.length === 0 ? ExitCode.ok : ExitCode.failure;
    } finally {
      await connection.close();
    }
  },
});

async function replayOne(
  channel: Parameters<typeof republish>[0],
  message: GetMessage,
  options: { exchange: string; toQueue: boolean; newId: boolean },
): Promise<string | null> {
  let target: ReplayTarget;
  if (options.toQueue) {
    const queue = deadInfo(message.properties.headers).queue;
    if (queue === null) return 'it names no queue it died in (no remit-dead-queue header)';
    // The default exchange routes by queue name.
    target = { exchange: '', routingKey: queue };
  } else {
    target = { exchange: options.exchange, routingKey: message.fields.routingKey };
  }
  const properties = replayProperties(message, { newId: options.newId, keepName: options.toQueue });
  try {
    const routed = await republish(channel, target, message, properties);
    if (routed) return null;
    return options.toQueue ? `queue "${target.routingKey}" no longer exists` : `no queue is bound to ${options.exchange}`;
  } catch (caught) {
    return caught instanceof Error ? caught.message : String(caught);
  }
}
