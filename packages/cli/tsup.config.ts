import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base.js';

// The library, and the command line that bin/remit.mjs loads.
export default defineConfig(packageBuild(['src/index.ts', 'src/cli.ts']));
