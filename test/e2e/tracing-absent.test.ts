import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, realpath, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
// pnpm's bin shims set NODE_PATH to its store, where the API is found from anywhere; an
// application started with node has none.
const { NODE_PATH: _storePath, ...env } = process.env;
const core = fileURLToPath(new URL('../../packages/core/', import.meta.url));

// Two buses on the memory transport; what the handler saw of the headers is printed.
const script = `
  const broker = remit.memoryBroker();
  const a = remit.createBus({ service: 'a', transport: remit.memory(broker) });
  const b = remit.createBus({ service: 'b', transport: remit.memory(broker) });
  let done;
  const heard = new Promise((resolve) => (done = resolve));
  b.on('x', (payload, meta) => done(meta.headers));
  Promise.all([a.start(), b.start()])
    .then(() => a.publish('x', 1, { headers: { tracestate: 'mine=1' } }))
    .then(() => heard)
    .then(async (headers) => {
      await Promise.all([a.close(), b.close()]);
      console.log(JSON.stringify(headers));
    });
`;

describe('the built @remit/core without @opentelemetry/api installed', () => {
  let app: string;

  // An application directory holding @remit/core and its dependencies, but not the optional peer.
  beforeAll(async () => {
    app = await mkdtemp(join(tmpdir(), 'remit-no-otel-'));
    const target = join(app, 'node_modules', '@remit', 'core');
    await mkdir(target, { recursive: true });
    await cp(join(core, 'package.json'), join(target, 'package.json'));
    await cp(join(core, 'dist'), join(target, 'dist'), { recursive: true });
    for (const dependency of ['amqplib', 'superjson']) {
      await symlink(await realpath(join(core, 'node_modules', dependency)), join(app, 'node_modules', dependency), 'dir');
    }
  });

  afterAll(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it.each([
    ['CommonJS require', ['-e', `const remit = require('@remit/core');${script}`]],
    ['ESM import', ['--input-type=module', '-e', `import * as remit from '@remit/core';${script}`]],
  ])('works with %s and writes no trace header', async (_kind, args) => {
    const probe = await run(process.execPath, ['-e', "try { require.resolve('@opentelemetry/api'); console.log('found') } catch { console.log('absent') }"], { cwd: app, env });
    expect(probe.stdout.trim()).toBe('absent');
    const { stdout } = await run(process.execPath, args, { cwd: app, env });
    expect(JSON.parse(stdout)).toEqual({ tracestate: 'mine=1' });
  });
});
