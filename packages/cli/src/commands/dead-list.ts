import { GLOBAL_HELP, integerOption } from '../args.js';
import { defineCommand } from '../command.js';
import { connect } from '../connection.js';
import { deadInfo, deadRecord } from '../dead-letter-view.js';
import { deadQueueDepth, putBack, takeDeadLetters } from '../dead-queue.js';
import { showPayload } from '../event-format.js';
import { eventRecord, viewEvent } from '../event-view.js';
import { ExitCode } from '../exit-codes.js';
import { type CliIo, painter, writeLine } from '../io.js';

const DEFAULT_LIMIT = 50;

const HELP = `Usage: remit dead list [options]

Shows the messages in the dead-letter queue with why they were dead-lettered (remit-dead-*
headers, or RabbitMQ's x-death for a group queue's delivery limit). Nothing is removed: the
messages are read with basic.get without an ack and put back with basic.nack(requeue), in their
original order. While the command runs they are invisible to other readers of the queue.

Options:
  --limit <n>            show at most n messages, oldest first (default: ${DEFAULT_LIMIT}; 0 = all)
  --json                 one JSON object per line: the event (as in remit tail --json) plus "dead"

${GLOBAL_HELP}

Example:
  remit dead list --limit 10
  remit dead list --json | jq -r 'select(.dead.reason == "handler-failed") | .id'`;

/** `remit dead list`: what is in the dead-letter queue, and why, without removing anything. */
export const deadListCommand = defineCommand({
  name: 'dead list',
  summary: 'show dead letters and why they died, without removing them',
  help: HELP,
  options: {
    limit: { type: 'string' },
    json: { type: 'boolean' },
  },
  noArguments: true,

  async run({ values, broker }, io) {
    const limit = integerOption('--limit', values.limit, DEFAULT_LIMIT, 0) || Number.POSITIVE_INFINITY;
    const settings = broker();
    const queue = settings.deadLetter;
    const connection = await connect(settings, 'dead list');
    try {
      const depth = await deadQueueDepth(connection, queue);
      const channel = await connection.channel();
      const messages = await takeDeadLetters(channel, queue, Math.min(limit, depth));
      putBack(channel, messages);
      await channel.close();
      messages.forEach((message, index) => {
        const view = viewEvent(message);
        const info = deadInfo(message.properties.headers);
        if (values.json) {
          writeLine(io.stdout, JSON.stringify({ position: index + 1, ...eventRecord(view), dead: deadRecord(info) }));
          return;
        }
        printBlock(io, index + 1, view, info);
      });
      if (!values.json) {
        const shown = messages.length < depth ? `, showing the first ${messages.length} (--limit)` : '';
        writeLine(io.stderr, `${queue}: ${depth} dead letter${depth === 1 ? '' : 's'}${shown}.`);
      }
      return ExitCode.ok;
    } finally {
      await connection.close();
    }
  },
});

function printBlock(
  io: CliIo,
  position: number,
  view: ReturnType<typeof viewEvent>,
  info: ReturnType<typeof deadInfo>,
): void {
  const paint = painter(io.stdout);
  const colors = paint('red', 'x') !== 'x';
  const row = (label: string, value: string | null) => {
    if (value !== null && value !== '') writeLine(io.stdout, `    ${paint('dim', label.padEnd(9))}${value}`);
  };
  writeLine(io.stdout, `${paint('bold', `#${position}`)}  ${paint(['bold', 'cyan'], view.name)}  ${paint('dim', view.id ?? 'no-id')}`);
  const tries = info.attempts === null ? '' : ` after ${info.attempts} attempt${info.attempts === 1 ? '' : 's'}`;
  const attempts = info.delays.length === 0 ? tries : `${tries} and delays of ${info.delays.map(humanDelay).join(', ')}`;
  row('reason', info.reason === null ? null : paint('red', `${info.reason}${attempts}`));
  row('error', info.error);
  row('handler', info.handler);
  row('queue', info.queue);
  row('from', `${view.service ?? '?'}/${view.instance ?? '?'} at ${view.publishedAt?.toISOString() ?? '?'}`);
  row('dead', info.at === null ? null : `${info.at.toISOString()}${info.by === null ? '' : ` by ${info.by}`}`);
  const headers = Object.entries(view.headers).map(([key, value]) => `${key}=${String(value)}`);
  row('headers', headers.length > 0 ? headers.join(' ') : null);
  row('payload', showPayload(view.payload, colors) + (view.error === undefined ? '' : ` (undecodable: ${view.error})`));
}

/** A delay as an operator would write it: 500ms, 30s, 5m, 1h. */
function humanDelay(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
