import { GLOBAL_HELP, secretsIn } from './args.js';
import { asCliError } from './bus-session.js';
import type { Command, CommandGroup } from './command.js';
import { asyncapiCommand } from './commands/asyncapi.js';
import { deadCommand } from './commands/dead.js';
import { instancesCommand } from './commands/instances.js';
import { publishCommand } from './commands/publish.js';
import { requestCommand } from './commands/request.js';
import { tailCommand } from './commands/tail.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { type CliIo, processIo, redacting, writeLine } from './io.js';
import { VERSION } from './version.js';

const COMMANDS: Readonly<Record<string, Command | CommandGroup>> = {
  publish: publishCommand,
  request: requestCommand,
  tail: tailCommand,
  instances: instancesCommand,
  dead: deadCommand,
  asyncapi: asyncapiCommand,
};

const USAGE = `remit ${VERSION}: publish, watch and repair a remit event bus on RabbitMQ.

Usage: remit <command> [arguments] [options]

Commands:
${Object.values(COMMANDS)
  .map((command) => `  ${command.name.padEnd(13)}${command.summary}`)
  .join('\n')}

${GLOBAL_HELP}
  --version                    print the version

Run remit <command> --help for a command's arguments and options.
Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 no reply to a request, 4 the responder failed.`;

/**
 * Runs the `remit` command line and resolves with its exit code; never throws and never calls
 * `process.exit`, so a test can run it in-process with its own streams.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<ExitCode> {
  // URLs are printed through maskUrl; as a second line of defence, every error message passes a
  // filter that masks the broker password, whatever library wrote the text. (Stdout carries event
  // data, which is not ours to rewrite.)
  const safe: CliIo = { ...io, stderr: redacting(io.stderr, secretsIn(argv, io.env)) };
  const [name, ...rest] = argv;
  if (name === undefined || isHelpFlag(name)) return printUsage(USAGE, name !== undefined, safe);
  if (name === '--version' || name === '-v') {
    writeLine(safe.stdout, VERSION);
    return ExitCode.ok;
  }
  if (name === 'help') {
    const [topic, ...more] = rest;
    return topic === undefined ? printUsage(USAGE, true, safe) : run(topic, [...more, '--help'], safe);
  }
  return run(name, rest, safe);
}

/** Runs one command, turning whatever it throws into a line on stderr and an exit code. */
async function run(name: string, args: string[], io: CliIo): Promise<ExitCode> {
  const command = lookup(COMMANDS, name);
  try {
    if (!command) {
      throw new UsageError(
        name.startsWith('-')
          ? `"${name}" comes before a command; options go after it (remit publish --url … user.created).`
          : `unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}.`,
      );
    }
    return await dispatch(command, args, io);
  } catch (caught) {
    const error = asCliError(caught);
    const prefix = command ? `remit ${commandName(command, args)}` : 'remit';
    writeLine(io.stderr, `${prefix}: ${error.message}`);
    if (error.exitCode === ExitCode.usage) {
      writeLine(io.stderr, `Run "${command ? `${prefix} --help` : 'remit --help'}" for usage.`);
    }
    return error.exitCode;
  }
}

/** Finds the subcommand of a group, answers --help, rejects stray arguments, then runs the command. */
async function dispatch(command: Command | CommandGroup, args: string[], io: CliIo): Promise<ExitCode> {
  if (isGroup(command)) {
    const [name, ...rest] = args;
    if (name === undefined || isHelpFlag(name)) return printUsage(command.help, name !== undefined, io);
    const subcommand = lookup(command.subcommands, name);
    if (!subcommand) {
      const names = Object.keys(command.subcommands).map((sub) => `${command.name} ${sub}`);
      throw new UsageError(`unknown command "${command.name} ${name}"; use ${names.slice(0, -1).join(', ')} or ${names.at(-1)}.`);
    }
    return dispatch(subcommand, rest, io);
  }
  const parsed = command.parse(args);
  if (parsed.help) {
    writeLine(io.stdout, command.help);
    return ExitCode.ok;
  }
  const [stray] = parsed.positionals;
  if (command.noArguments !== undefined && stray !== undefined) {
    const hint = command.noArguments === true ? '' : `; ${command.noArguments}`;
    throw new UsageError(`unexpected argument "${stray}"${hint}.`);
  }
  return parsed.run(io);
}

function isGroup(command: Command | CommandGroup): command is CommandGroup {
  return 'subcommands' in command;
}

function isHelpFlag(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/** `remit` or `remit dead` alone is a usage error that shows the usage; asked for with --help, it is the answer. */
function printUsage(usage: string, asked: boolean, io: CliIo): ExitCode {
  writeLine(asked ? io.stdout : io.stderr, usage);
  return asked ? ExitCode.ok : ExitCode.usage;
}

/** Own entries only, so that `remit constructor` is an unknown command rather than Object's. */
function lookup<T>(table: Readonly<Record<string, T>>, name: string): T | undefined {
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/** `dead list` rather than `dead` in messages about a subcommand. */
function commandName(command: Command | CommandGroup, args: readonly string[]): string {
  const sub = args[0];
  return isGroup(command) && sub !== undefined && !sub.startsWith('-') ? `${command.name} ${sub}` : command.name;
}
