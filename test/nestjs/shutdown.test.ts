import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { OnRemoteEvent, RemitModule, type RemitModuleOptions } from '@remit/nestjs';
import { afterEach, describe, expect, it } from 'vitest';
import { queueInfo, waitFor } from '../helpers/broker.js';
import { NestApps, settle } from './nest-apps.js';

let apps: NestApps;
afterEach(async () => apps.cleanup());

/** A worker whose group handler holds each job until the test opens `gate`. */
function workerModule(options: RemitModuleOptions, group: string, log: string[], gate: Promise<void>): object {
  @Injectable()
  class Jobs {
    @OnRemoteEvent('job', { group })
    async run(job: { id: string }): Promise<void> {
      log.push(`started ${job.id}`);
      await gate;
      log.push(`finished ${job.id}`);
    }
  }
  @Module({ imports: [RemitModule.forRoot(options)], providers: [Jobs] })
  class WorkerModule {}
  return WorkerModule;
}

describe('graceful shutdown', () => {
  it('app.close() waits for a running handler, acks its event, and nobody runs it again', async () => {
    apps = new NestApps();
    const group = apps.topology.group('jobs');
    const log: string[] = [];
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => (open = resolve));
    const worker = await apps.context(workerModule(apps.options('worker'), group, log, gate));
    const publisher = apps.topology.bus({ service: 'api' });
    await publisher.start();
    await publisher.publish('job', { id: 'J-1' });
    await waitFor('the handler to start', () => log.includes('started J-1'));

    const closing = apps.close(worker).then(() => void log.push('app closed'));
    await settle(300);
    // Still running: close() has not resolved and nothing new was delivered.
    expect(log).toEqual(['started J-1']);
    open();
    await closing;
    expect(log).toEqual(['started J-1', 'finished J-1', 'app closed']);

    const queue = apps.topology.groupQueue(group);
    expect(await queueInfo(queue)).toEqual({ queue, messageCount: 0, consumerCount: 0 });
    // A fresh worker in the same group finds nothing to redo.
    const again: string[] = [];
    await apps.context(workerModule(apps.options('worker'), group, again, Promise.resolve()));
    await settle(500);
    expect(again).toEqual([]);
  });

  it('closes anyway after shutdownTimeoutMs, leaving the unfinished event for another instance', async () => {
    apps = new NestApps();
    const group = apps.topology.group('stuck');
    const log: string[] = [];
    const never = new Promise<void>(() => {});
    const stuck = await apps.context(workerModule(apps.options('worker', { shutdownTimeoutMs: 200 }), group, log, never));
    const publisher = apps.topology.bus({ service: 'api' });
    await publisher.start();
    await publisher.publish('job', { id: 'J-2' });
    await waitFor('the handler to start', () => log.includes('started J-2'));
    await apps.close(stuck);

    const redone: string[] = [];
    await apps.context(workerModule(apps.options('worker'), group, redone, Promise.resolve()));
    await waitFor('the redelivery', () => redone.includes('finished J-2'));
    expect(redone).toEqual(['started J-2', 'finished J-2']);
  });
});
