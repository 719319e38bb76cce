import type { Command } from '../command.js';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine } from '../io.js';
import { deadListCommand } from './dead-list.js';
import { deadPurgeCommand } from './dead-purge.js';
import { deadReplayCommand } from './dead-replay.js';

const SUBCOMMANDS: Record<string, Command> = {
  list: deadListCommand,
  replay: deadReplayCommand,
  purge: deadPurgeCommand,
};

const HELP = `Usage: remit dead <list|replay|purge> [options]

Works on the dead-letter queue (remit.dead, or --dead-letter <name>): messages whose handlers
kept failing, or that could not be decoded, with the reason in their remit-dead-* headers.

Commands:
${Object.values(SUBCOMMANDS)
  .map((command) => `  ${command.name.padEnd(13)}${command.summary}`)
  .join('\n')}

Run remit dead <command> --help for its options.`;

/** `remit dead …`: the dead-letter queue's three subcommands. */
export const deadCommand: Command = {
  name: 'dead',
  summary: 'list, replay or purge dead letters',
  help: HELP,

  async run(args, io) {
    const [name, ...rest] = args;
    if (name === undefined) {
      writeLine(io.stderr, HELP);
      return ExitCode.usage;
    }
    if (name === '--help' || name === '-h') {
      writeLine(io.stdout, HELP);
      return ExitCode.ok;
    }
    const command = SUBCOMMANDS[name];
    if (!command) throw new UsageError(`unknown command "dead ${name}"; use dead list, dead replay or dead purge.`);
    return command.run(rest, io);
  },
};
