import { describe, expect, it } from 'vitest';
import { ConfigError, type MemoryBroker, memoryBroker } from '../src/index.js';
import { memoryBuses, sleep } from './memory-buses.js';

type Events = { 'config.reload': { rev: number } };

const bus = memoryBuses<Events>();

/** Two instances of billing, one of mailer, each recording which events it handled. */
async function system(broker: MemoryBroker) {
  const heard = new Map<string, number[]>();
  const instances = [
    { service: 'billing', instanceId: 'billing-1' },
    { service: 'billing', instanceId: 'billing-2' },
    { service: 'mailer', instanceId: 'mailer-1' },
  ].map((options) => {
    const instance = bus(broker, options);
    heard.set(options.instanceId, []);
    instance.on('config.reload', ({ rev }) => void heard.get(instance.instanceId)?.push(rev));
    return instance;
  });
  const publisher = bus(broker, { service: 'admin', instanceId: 'admin-1' });
  const own: number[] = [];
  publisher.on('config.reload', ({ rev }) => void own.push(rev));
  await Promise.all([...instances, publisher].map((instance) => instance.start()));
  return { instances, publisher, heard, own };
}

describe('destinations on the memory transport', () => {
  it('to a service: only its instances run handlers, the others count the event as not for them', async () => {
    const broker = memoryBroker();
    const { instances, publisher, heard, own } = await system(broker);
    await publisher.publish('config.reload', { rev: 1 }, { to: 'billing' });
    await sleep(50);
    expect(Object.fromEntries(heard)).toEqual({ 'billing-1': [1], 'billing-2': [1], 'mailer-1': [] });
    expect(own).toEqual([]);
    expect(instances[2]?.stats()).toMatchObject({ received: 1, notForMe: 1, handled: 0 });
    expect(instances[0]?.stats()).toMatchObject({ notForMe: 0, handled: 1 });
  });

  it('to one instance: only that instance runs handlers', async () => {
    const broker = memoryBroker();
    const { publisher, heard } = await system(broker);
    await publisher.publish('config.reload', { rev: 2 }, { to: 'billing:billing-2' });
    await publisher.publish('config.reload', { rev: 3 }, { to: { service: 'mailer', instance: 'mailer-1' } });
    await sleep(50);
    expect(Object.fromEntries(heard)).toEqual({ 'billing-1': [], 'billing-2': [2], 'mailer-1': [3] });
  });

  it('runs the publisher own handlers only when it is an addressee', async () => {
    const broker = memoryBroker();
    const { publisher, own } = await system(broker);
    await publisher.publish('config.reload', { rev: 4 }, { to: 'admin' });
    await publisher.publish('config.reload', { rev: 5 }, { to: 'billing' });
    await sleep(50);
    expect(own).toEqual([4]);
  });

  it('drops group events addressed elsewhere too', async () => {
    const broker = memoryBroker();
    const worker = bus(broker, { service: 'worker' });
    const ran: number[] = [];
    worker.on('config.reload', ({ rev }) => void ran.push(rev), { group: true });
    const publisher = bus(broker, { service: 'admin' });
    await Promise.all([worker.start(), publisher.start()]);
    await publisher.publish('config.reload', { rev: 1 }, { to: 'billing' });
    await publisher.publish('config.reload', { rev: 2 }, { to: 'worker' });
    await sleep(50);
    expect(ran).toEqual([2]);
  });

  it('rejects a malformed destination with ConfigError naming it', async () => {
    const publisher = bus(memoryBroker());
    await publisher.start();
    await expect(publisher.publish('config.reload', { rev: 1 }, { to: '' })).rejects.toMatchObject({ name: 'ConfigError', field: 'to' });
    await expect(publisher.publish('config.reload', { rev: 1 }, { to: 'a b' })).rejects.toThrow(ConfigError);
    await expect(publisher.publish('config.reload', { rev: 1 }, { to: { service: 'x', instance: '' } })).rejects.toMatchObject({
      field: 'to.instance',
    });
  });
});
