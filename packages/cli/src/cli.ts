import { GLOBAL_HELP, secretsIn } from './args.js';
import { asCliError } from './bus-session.js';
import type { Command } from './command.js';
import { deadCommand } from './commands/dead.js';
import { instancesCommand } from './commands/instances.js';
import { publishCommand } from './commands/publish.js';
import { requestCommand } from './commands/request.js';
import { tailCommand } from './commands/tail.js';
import { UsageError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { type CliIo, processIo, redacting, writeLine } from './io.js';
import { VERSION } from './version.js';

const COMMANDS: Record<string, Command> = {
  publish: publishCommand,
  request: requestCommand,
  tail: tailCommand,
  instances: instancesCommand,
  dead: deadCommand,
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
  if (name === undefined) {
    writeLine(safe.stderr, USAGE);
    return ExitCode.usage;
  }
  if (name === '--help' || name === '-h') {
    writeLine(safe.stdout, USAGE);
    return ExitCode.ok;
  }
  if (name === '--version' || name === '-v') {
    writeLine(safe.stdout, VERSION);
    return ExitCode.ok;
  }
  if (name === 'help') return rest.length === 0 ? help(safe) : run(rest[0] ?? '', [...rest.slice(1), '--help'], safe);
  return run(name, rest, safe);
}

function help(io: CliIo): ExitCode {
  writeLine(io.stdout, USAGE);
  return ExitCode.ok;
}

async function run(name: string, args: string[], io: CliIo): Promise<ExitCode> {
  const command = COMMANDS[name];
  try {
    if (!command) {
      throw new UsageError(
        name.startsWith('-')
          ? `"${name}" comes before a command; options go after it (remit publish --url … user.created).`
          : `unknown command "${name}"; the commands are ${Object.keys(COMMANDS).join(', ')}.`,
      );
    }
    return await command.run(args, io);
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

/** `dead list` rather than `dead` in messages about a subcommand. */
function commandName(command: Command, args: readonly string[]): string {
  const sub = args[0];
  return command === deadCommand && sub !== undefined && !sub.startsWith('-') ? `${command.name} ${sub}` : command.name;
}
