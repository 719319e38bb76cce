import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, drainQueue, waitFor, withRawChannel } from '../helpers/broker.js';
import { NestApps } from './nest-apps.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/cjs-app.cjs', import.meta.url));

interface ChildMessage {
  type: string;
  [key: string]: unknown;
}

let apps: NestApps;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  await apps.cleanup();
});

describe('a CommonJS NestJS application', () => {
  it('requires the CommonJS build, handles a remote event, and drains on SIGTERM with enableShutdownHooks', async () => {
    apps = new NestApps();
    const group = apps.topology.group('cjs');
    const messages: ChildMessage[] = [];
    const config = { url: AMQP_URL, exchange: apps.topology.exchange, deadLetter: apps.topology.deadLetter, group };
    const started = fork(FIXTURE, {
      env: { ...process.env, REMIT_TEST_CONFIG: JSON.stringify(config) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child = started;
    started.on('message', (message: ChildMessage) => void messages.push(message));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      started.once('exit', (code, signal) => resolve({ code, signal })),
    );
    await waitFor('the child to be ready', () => messages.some((message) => message.type === 'ready'), 20_000);
    const ready = messages.find((message) => message.type === 'ready');
    expect(ready).toMatchObject({ moduleSystem: 'commonjs' });
    expect(String(ready?.resolved)).toMatch(/packages\/nestjs\/dist\/index\.cjs$/);

    const done: string[] = [];
    const observer = apps.topology.bus<{ 'job.done': { id: string; by: string }; job: { id: string; hold?: boolean } }>({
      service: 'api',
    });
    observer.on('job.done', ({ id, by }) => void done.push(`${id} by ${by === ready?.instanceId ? 'child' : by}`));
    await observer.start();

    await observer.publish('job', { id: 'quick' });
    await waitFor('the quick job', () => done.includes('quick by child'));

    await observer.publish('job', { id: 'slow', hold: true });
    await waitFor('the slow job to start', () => messages.some((message) => message.type === 'started' && message.id === 'slow'));
    started.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Shutting down, but waiting for the running handler.
    expect(started.exitCode).toBeNull();
    expect(started.signalCode).toBeNull();
    started.send({ type: 'release', id: 'slow' });
    const exit = await exited;
    // Nest re-raises the signal once its shutdown hooks are done.
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect(messages.filter((message) => message.type !== 'ready').map((message) => `${message.type} ${String(message.id)}`)).toEqual([
      'started quick',
      'finished quick',
      'started slow',
      'finished slow',
    ]);
    await waitFor('the slow job.done', () => done.includes('slow by child'));
    // The slow job was acked before the connection closed: no "job" is left for another worker. (The
    // group queue, bound to the fanout exchange, also holds the "job.done" published while closing.)
    const left = await withRawChannel((channel) => drainQueue(channel, apps.topology.groupQueue(group)));
    expect(left.map((message) => message.properties.type)).not.toContain('job');
  });
});
