import {
  type BrokerSettings,
  brokerSettings,
  GLOBAL_OPTIONS,
  type OptionsConfig,
  type ParsedCommandArgs,
  parseCommandArgs,
} from './args.js';
import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** A command's own options plus the global ones every command takes (--url, --help, …). */
type WithGlobalOptions<O extends OptionsConfig> = typeof GLOBAL_OPTIONS & O;

/** What a command's `run` is given once the dispatcher has parsed its command line. */
export interface CommandInput<O extends OptionsConfig> {
  /** Its flags, typed from its own options and the global ones. */
  readonly values: ParsedCommandArgs<WithGlobalOptions<O>>['values'];
  readonly positionals: string[];
  /**
   * Where the broker is and which names to use (--url or AMQP_URL, --exchange, --timeout, …).
   * A call rather than a value, so that the command's own usage errors come before a missing URL.
   */
  broker(): BrokerSettings;
}

/** One `remit <name>` command, in its own file under commands/: only what is its own. */
export interface CommandDefinition<O extends OptionsConfig> {
  /** As typed: `publish`, `dead list`. */
  readonly name: string;
  /** One line for `remit --help`. */
  readonly summary: string;
  /** Full text for `remit <name> --help`. */
  readonly help: string;
  /** Its own parseArgs options; the global ones are added. */
  readonly options: O;
  /**
   * Set when the command takes no positional arguments: the dispatcher rejects one with
   * `unexpected argument "x".`, or with this hint before the full stop (`pass ids with --id`).
   */
  readonly noArguments?: true | string;
  /** Does the work; --help and unexpected arguments never reach it. */
  run(input: CommandInput<O>, io: CliIo): Promise<ExitCode>;
}

/** A command as the dispatcher holds it, whatever its options. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly help: string;
  readonly noArguments?: true | string;
  /** Parses a command line with this command's options; a bad flag is a UsageError. */
  parse(args: string[]): ParsedCommand;
}

/** A command line parsed for one command, ready to run. */
export interface ParsedCommand {
  /** --help or -h was given. */
  readonly help: boolean;
  readonly positionals: readonly string[];
  run(io: CliIo): Promise<ExitCode>;
}

/** A command made of subcommands, such as `remit dead list|replay|purge`. */
export interface CommandGroup {
  readonly name: string;
  readonly summary: string;
  /** Printed for `remit <name> --help`, and as the error for `remit <name>` alone. */
  readonly help: string;
  readonly subcommands: Readonly<Record<string, Command>>;
}

/**
 * Declares a command. Its `run` sees `values` typed from `options`; the parsed values and the
 * options they came from stay paired inside the returned Command, so the dispatcher needs no casts.
 *
 * @example
 * export const pingCommand = defineCommand({
 *   name: 'ping',
 *   summary: 'check the broker answers',
 *   help: 'Usage: remit ping [options]',
 *   options: { json: { type: 'boolean' } },
 *   noArguments: true,
 *   async run({ values, broker }, io) { … },
 * });
 */
export function defineCommand<const O extends OptionsConfig>(definition: CommandDefinition<O>): Command {
  const options = { ...GLOBAL_OPTIONS, ...definition.options };
  return {
    name: definition.name,
    summary: definition.summary,
    help: definition.help,
    ...(definition.noArguments === undefined ? {} : { noArguments: definition.noArguments }),
    parse(args) {
      const { values, positionals } = parseCommandArgs(args, options);
      return {
        // For a generic O, TypeScript cannot resolve the values' keys here; `in` reads --help
        // without a cast (it is one of GLOBAL_OPTIONS, so each command's run sees it typed).
        help: 'help' in values && values.help === true,
        positionals,
        run: (io) => definition.run({ values, positionals, broker: () => brokerSettings(values, io.env) }, io),
      };
    },
  };
}
