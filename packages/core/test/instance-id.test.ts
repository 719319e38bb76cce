import { describe, expect, it } from 'vitest';
import { memoryBroker } from '../src/index.js';
import { randomInstanceId } from '../src/wire/instance-id.js';
import { memoryBuses } from './memory-buses.js';

const bus = memoryBuses<{ ping: null }>();

describe('the instance id of a bus started without instanceId', () => {
  it('is 13 characters of [0-9a-z], different for every draw', () => {
    const ids = Array.from({ length: 10_000 }, randomInstanceId);
    for (const id of ids.slice(0, 100)) expect(id).toMatch(/^[0-9a-z]{13}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('names the instance in presence and on the events it sends', async () => {
    const broker = memoryBroker();
    const [sender, receiver] = [bus(broker, { service: 'api' }), bus(broker, { service: 'api' })];
    const heard: string[] = [];
    receiver.on('ping', (_payload, meta) => void heard.push(meta.instance));
    await Promise.all([sender.start(), receiver.start()]);
    expect(sender.instanceId).toMatch(/^[0-9a-z]{13}$/);
    expect(receiver.instanceId).not.toBe(sender.instanceId);
    const instances = (await receiver.instances()).map((instance) => instance.instance);
    expect(instances.sort()).toEqual([sender.instanceId, receiver.instanceId].sort());
    await sender.publish('ping', null);
    await expect.poll(() => heard).toEqual([sender.instanceId]);
  });
});
