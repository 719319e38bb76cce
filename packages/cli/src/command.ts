import type { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';

/** One `remit <name>` command, in its own file under commands/. */
export interface Command {
  /** As typed: `publish`, `dead list`. */
  readonly name: string;
  /** One line for `remit --help`. */
  readonly summary: string;
  /** Full text for `remit <name> --help`. */
  readonly help: string;
  run(args: string[], io: CliIo): Promise<ExitCode>;
}
