import type { CommandGroup } from '../command.js';
import { deadListCommand } from './dead-list.js';
import { deadPurgeCommand } from './dead-purge.js';
import { deadReplayCommand } from './dead-replay.js';

const SUBCOMMANDS = {
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
export const deadCommand: CommandGroup = {
  name: 'dead',
  summary: 'list, replay or purge dead letters',
  help: HELP,
  subcommands: SUBCOMMANDS,
};
