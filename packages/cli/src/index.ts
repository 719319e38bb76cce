export { main } from './cli.js';
export { ExitCode } from './exit-codes.js';
export { CliError, UsageError } from './errors.js';
export type { CliIo, OutputStream } from './io.js';
export { VERSION } from './version.js';
