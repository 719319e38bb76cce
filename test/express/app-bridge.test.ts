import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { type Heard, ServerProcess } from './server-process.js';

let topology: TestTopology;
const servers: ServerProcess[] = [];
afterEach(async () => {
  const codes = await Promise.all(servers.splice(0).map((server) => server.stop()));
  await topology.cleanup();
  expect(codes.every((code) => code === 0)).toBe(true);
});

async function twoServers(): Promise<[ServerProcess, ServerProcess]> {
  topology = new TestTopology();
  const config = { exchange: topology.exchange, deadLetter: topology.deadLetter, events: ['user.created', 'order.placed'] };
  const pair = [new ServerProcess(config), new ServerProcess(config)] as const;
  servers.push(...pair);
  await Promise.all(pair.map((server) => server.ready()));
  return [pair[0], pair[1]];
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 300));

describe('remit() in two Express servers in separate processes', () => {
  it('app.emit in one is heard by app.on in the other, once, and not echoed back', async () => {
    const [a, b] = await twoServers();

    expect(await a.post('/emit/user.created', { id: 'u1' })).toBe(204);
    expect(await b.post('/emit/order.placed', { id: 'o1' })).toBe(204);
    await waitFor('both servers to hear both events', async () => {
      const [heardA, heardB] = await Promise.all([a.get<Heard[]>('/heard'), b.get<Heard[]>('/heard')]);
      return heardA.length >= 2 && heardB.length >= 2;
    });
    await settle();

    const summary = (heard: Heard[]) => heard.map(({ name, payload, from }) => `${name}:${String(payload.id)}:${from}`).sort();
    expect(summary(await a.get<Heard[]>('/heard'))).toEqual(['order.placed:o1:' + b.instanceId, 'user.created:u1:local']);
    expect(summary(await b.get<Heard[]>('/heard'))).toEqual(['order.placed:o1:local', 'user.created:u1:' + a.instanceId]);
  });

  it('req.bus.publish from a route reaches app.on in the other server', async () => {
    const [a, b] = await twoServers();

    expect(await a.post('/publish/order.placed', { id: 'o2', total: 990 })).toBe(204);
    await waitFor('b to hear the published event', async () => (await b.get<Heard[]>('/heard')).length >= 1);
    await settle();

    const heardB = await b.get<Heard[]>('/heard');
    expect(heardB).toHaveLength(1);
    expect(heardB[0]).toMatchObject({ name: 'order.placed', payload: { id: 'o2', total: 990 }, from: a.instanceId });
    // A publish is not an app event: the publishing server's own app is not told (app.emit is).
    expect(await a.get<Heard[]>('/heard')).toEqual([]);
  });
});
