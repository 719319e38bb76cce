import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cwd = fileURLToPath(new URL('..', import.meta.url));

// Runs against the built package, as an application would load it.
const script = `
  const bus = remit.createBus({ service: 'pkg', transport: remit.memory() });
  const names = [remit.ClosedError, remit.ConfigError, remit.PublishTimeoutError, remit.BufferFullError]
    .map((Class) => new Class('x', 'y', 1).name);
  bus.start().then(() => bus.close()).then(() => console.log(JSON.stringify({ names, status: bus.health().status })));
`;

describe('the built @remit/core package', () => {
  it.each([
    ['CommonJS require', ['-e', `const remit = require('@remit/core');${script}`]],
    ['ESM import', ['--input-type=module', '-e', `import * as remit from '@remit/core';${script}`]],
  ])('loads with %s and keeps error class names', async (_kind, args) => {
    const { stdout } = await run(process.execPath, args, { cwd });
    expect(JSON.parse(stdout)).toEqual({
      names: ['ClosedError', 'ConfigError', 'PublishTimeoutError', 'BufferFullError'],
      status: 'closed',
    });
  });
});
