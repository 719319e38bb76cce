import { GLOBAL_HELP } from '../args.js';
import { defineCommand } from '../command.js';
import { connect } from '../connection.js';
import { deadQueueDepth } from '../dead-queue.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { type CliIo, writeLine } from '../io.js';

const HELP = `Usage: remit dead purge [--yes] [options]

Deletes every message in the dead-letter queue (AMQP queue.purge) and prints how many. There is
no undo: look first with remit dead list, keep what matters with remit dead replay.

Without --yes, the command asks on a terminal and refuses (exit code 2) when stdin or stdout is
not a terminal, so a script never purges by accident.

Options:
  -y, --yes              purge without asking

${GLOBAL_HELP}

Example:
  remit dead purge --yes --dead-letter billing.dead`;

/** `remit dead purge`: empties the dead-letter queue, after a confirmation. */
export const deadPurgeCommand = defineCommand({
  name: 'dead purge',
  summary: 'delete every dead letter (asks first; --yes in scripts)',
  help: HELP,
  options: {
    yes: { type: 'boolean', short: 'y' },
  },
  noArguments: true,

  async run({ values, broker }, io) {
    const interactive = io.stdin.isTTY === true && io.stdout.isTTY === true;
    if (values.yes !== true && !interactive) {
      throw new UsageError('refusing to purge without --yes when not run from a terminal.');
    }
    const settings = broker();
    const queue = settings.deadLetter;
    const connection = await connect(settings, 'dead purge');
    try {
      const depth = await deadQueueDepth(connection, queue);
      if (values.yes !== true) {
        if (depth === 0) {
          writeLine(io.stdout, `${queue} is empty; nothing to purge.`);
          return ExitCode.ok;
        }
        io.stdout.write(`Delete all ${depth} messages in ${queue}? This cannot be undone. Type "yes": `);
        if ((await readLine(io)).trim() !== 'yes') {
          writeLine(io.stdout, 'Not purged.');
          return ExitCode.failure;
        }
      }
      const channel = await connection.channel();
      const { messageCount } = await channel.purgeQueue(queue);
      await channel.close();
      writeLine(io.stdout, `purged ${messageCount} message${messageCount === 1 ? '' : 's'} from ${queue}`);
      return ExitCode.ok;
    } finally {
      await connection.close();
    }
  },
});

async function readLine(io: CliIo): Promise<string> {
  let line = '';
  for await (const chunk of io.stdin) {
    line += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    if (line.includes('\n')) break;
  }
  return line.split('\n')[0] ?? '';
}
