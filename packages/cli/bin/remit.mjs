#!/usr/bin/env node
// Committed so pnpm can link the bin at install time; the command itself is built into dist/.
import { main } from '../dist/cli.js';

// `remit tail | head -1`: the reader went away, which ends the command, not in a crash.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
