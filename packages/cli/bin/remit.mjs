#!/usr/bin/env node
// Committed so pnpm can link the bin at install time; the command itself is built into dist/.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
