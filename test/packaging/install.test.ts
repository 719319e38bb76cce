import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique } from '../helpers/broker.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const APP = fileURLToPath(new URL('./app/', import.meta.url));
const PACKAGES = ['core', 'emitter', 'express', 'nestjs', 'cli', 'testing', 'postgres'];

/** The frameworks a team's app brings itself: the same majors the repository tests. */
const FRAMEWORKS = {
  express: '^5.2.1',
  pg: '^8.23.1',
  '@nestjs/common': '^12.5.1',
  '@nestjs/core': '^12.5.1',
  'reflect-metadata': '^0.2.2',
  rxjs: '^7.8.2',
};

/** `remit-core-0.1.0.tgz`: the tarball `pnpm pack` makes of a package at its current version. */
async function tarballName(name: string): Promise<string> {
  const { version } = JSON.parse(await readFile(join(ROOT, 'packages', name, 'package.json'), 'utf8')) as { version: string };
  return `remit-${name}-${version}.tgz`;
}

let scratch = '';
const topology: { exchanges: string[]; queues: string[] } = { exchanges: [], queues: [] };
afterAll(async () => {
  await deleteTopology(topology);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function tarball(file: string): Promise<{ files: string[]; manifest: Record<string, unknown>; readme: string }> {
  const files = (await run('tar', ['tzf', file])).stdout.trim().split('\n');
  const manifest = JSON.parse((await run('tar', ['xzOf', file, 'package/package.json'])).stdout) as Record<string, unknown>;
  const readme = (await run('tar', ['xzOf', file, 'package/README.md'])).stdout;
  return { files, manifest, readme };
}

/** Runs one of app/'s programs in the scratch app against this test's own exchange; returns its JSON line. */
async function program(file: string): Promise<Record<string, unknown>> {
  const exchange = unique('test.install');
  const service = unique('scratch');
  topology.exchanges.push(exchange);
  topology.queues.push(`remit.group.${service}`, `remit.requests.${service}`);
  const { stdout } = await run(process.execPath, [file], {
    cwd: scratch,
    env: { ...process.env, SCRATCH_CONFIG: JSON.stringify({ url: AMQP_URL, exchange, service }) },
    timeout: 30_000,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>;
}

describe('the packages, packed and installed with npm into an app outside the repository', () => {
  it('pack into tarballs with only what users need, install with npm, and run as ESM and CommonJS against RabbitMQ', async () => {
    const started = Date.now();
    scratch = await mkdtemp(join(tmpdir(), 'remit-install-'));
    const tarballs = join(scratch, 'tarballs');
    await run('pnpm', ['-r', '--filter', './packages/*', 'pack', '--pack-destination', tarballs], { cwd: ROOT, timeout: 60_000 });
    const packed = (await readdir(tarballs)).sort();
    const names = new Map(await Promise.all(PACKAGES.map(async (name) => [name, await tarballName(name)] as const)));
    expect(packed).toEqual([...names.values()].sort());

    const dependencies: Record<string, string> = {};
    const manifests = new Map<string, { peerDependencies?: Record<string, string> }>();
    for (const name of PACKAGES) {
      const file = join(tarballs, names.get(name) ?? '');
      const { files, manifest, readme } = await tarball(file);
      // Built code, its declarations and maps, the README, the CLI's bin: no sources, tests or configs.
      expect(files.filter((path) => !/^package\/(package\.json|README\.md|dist\/[\w.-]+\.(c?js|d\.c?ts|c?js\.map)|bin\/remit\.mjs)$/.test(path))).toEqual([]);
      expect(JSON.stringify(manifest)).not.toContain('workspace:');
      expect(manifest.engines).toEqual({ node: '>=20.19' });
      manifests.set(name, manifest);
      // The README starts with how to install the package.
      expect(readme.split('\n').slice(0, 8).join('\n')).toMatch(new RegExp(`npm install [^\n]*@remit/${name}`));
      dependencies[`@remit/${name}`] = `file:tarballs/${names.get(name) ?? ''}`;
    }
    // Frameworks are the app's own: peer dependencies, so one copy of each is loaded.
    const peers = (name: string) => Object.keys(manifests.get(name)?.peerDependencies ?? {});
    expect(peers('express')).toContain('express');
    expect(peers('nestjs')).toEqual(expect.arrayContaining(['@nestjs/common', '@nestjs/core', 'reflect-metadata', 'rxjs']));

    await writeFile(
      join(scratch, 'package.json'),
      JSON.stringify({ name: 'scratch-app', private: true, dependencies: { ...dependencies, ...FRAMEWORKS } }, null, 2),
    );
    const install = Date.now();
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', '--no-package-lock', '--loglevel=error'], { cwd: scratch, timeout: 240_000 });
    const installed = Date.now();
    for (const file of ['core.mjs', 'express.mjs', 'nest.cjs']) await copyFile(join(APP, file), join(scratch, file));

    const modules = PACKAGES.map((name) => `@remit/${name}`);
    const [core, web, nest, required, imported, cli] = await Promise.all([
      program('core.mjs'),
      program('express.mjs'),
      program('nest.cjs'),
      run(process.execPath, ['-e', `console.log(${JSON.stringify(modules)}.map((name) => Object.keys(require(name)).length > 0).join())`], { cwd: scratch }),
      run(process.execPath, ['--input-type=module', '-e', `console.log((await Promise.all(${JSON.stringify(modules)}.map((name) => import(name)))).map((module) => Object.keys(module).length > 0).join())`], { cwd: scratch }),
      run(join(scratch, 'node_modules/.bin/remit'), ['--help'], { cwd: scratch }),
    ]);
    expect(core).toEqual({ heard: [{ id: 'u-1', at: true, tags: ['a'], from: expect.any(String) }], handled: 1, module: 'esm' });
    expect(web).toEqual({ quote: { status: 200, body: { sku: 'A-1', cents: 1250 } }, health: 200, viewed: { page: { path: '/' }, remote: false } });
    expect(nest).toEqual({ reserved: ['o-1'], published: ['order.placed', 'stock.reserved'], oneNestCore: true, resolved: '@remit/nestjs/dist/index.cjs' });
    expect(required.stdout.trim()).toBe(modules.map(() => 'true').join());
    expect(imported.stdout.trim()).toBe(modules.map(() => 'true').join());
    expect(cli.stdout).toContain('Usage: remit');
    console.log(
      `[install] packed ${packed.length} tarballs and installed them with npm into a scratch app: ` +
        `pack ${((install - started) / 1000).toFixed(1)} s, npm install ${((installed - install) / 1000).toFixed(1)} s, ` +
        `programs ${((Date.now() - installed) / 1000).toFixed(1)} s`,
    );
  }, 300_000);
});
