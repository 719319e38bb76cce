import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';

let topology: TestTopology;
afterEach(async () => topology.cleanup());

describe('an instance that restarts', () => {
  it('with a stable instanceId, receives what was published while it was gone', async () => {
    topology = new TestTopology();
    const instanceId = topology.group('stable');
    topology.track(`remit.instance.cache.${instanceId}`);
    const publisher = topology.bus({ service: 'api' });
    const first = topology.bus({ service: 'cache', instanceId });
    first.on('invalidate', () => {});
    await Promise.all([publisher.start(), first.start()]);
    await first.close();
    for (let n = 0; n < 10; n++) await publisher.publish('invalidate', { n });
    const heard: number[] = [];
    const second = topology.bus({ service: 'cache', instanceId });
    second.on('invalidate', (event) => void heard.push((event as { n: number }).n));
    await second.start();
    await waitFor('the ten events published while it was down', () => heard.length === 10);
    expect(heard).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('without an instanceId, misses what was published while it was gone (the documented contract)', async () => {
    topology = new TestTopology();
    const publisher = topology.bus({ service: 'api' });
    const first = topology.bus({ service: 'cache' });
    await Promise.all([publisher.start(), first.start()]);
    await first.close();
    for (let n = 0; n < 10; n++) await publisher.publish('invalidate', { n });
    const heard: number[] = [];
    const second = topology.bus({ service: 'cache' });
    second.on('invalidate', (event) => void heard.push((event as { n: number }).n));
    await second.start();
    await publisher.publish('invalidate', { n: 10 });
    await waitFor('the event published after the restart', () => heard.length === 1);
    expect(heard).toEqual([10]);
  });
});
