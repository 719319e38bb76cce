import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_PORT, AMQP_URL, urlOnPort, waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { ServerProcess } from './server-process.js';

let topology: TestTopology;
let proxy: TcpProxy | undefined;
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await proxy?.close();
  await topology.cleanup();
});


async function healthOf(server: ServerProcess): Promise<{ code: number; body: Record<string, unknown>; text: string }> {
  const response = await fetch(`${server.url}/health`);
  const text = await response.text();
  return { code: response.status, body: JSON.parse(text) as Record<string, unknown>, text };
}

describe('health() in a real Express server', () => {
  it('answers 503 before the bus starts and while the broker is unreachable, 200 when connected', async () => {
    topology = new TestTopology();
    proxy = await TcpProxy.start(AMQP_PORT);
    const url = urlOnPort(proxy.port);
    const server = new ServerProcess({ url, startBus: false, exchange: topology.exchange, deadLetter: topology.deadLetter });
    servers.push(server);
    await server.ready();

    const idle = await healthOf(server);
    expect(idle.code).toBe(503);
    expect(idle.body).toEqual({
      status: 'idle',
      connectedSince: null,
      outbox: 0,
      lastError: null,
      service: 'express-test',
      instance: server.instanceId,
    });

    expect(await server.post('/start')).toBe(204);
    const connected = await healthOf(server);
    expect(connected.code).toBe(200);
    expect(connected.body.status).toBe('connected');
    expect(Number.isNaN(Date.parse(String(connected.body.connectedSince)))).toBe(false);

    proxy.refuse();
    proxy.cut();
    await waitFor('health to report the lost connection', async () => (await healthOf(server)).code === 503);
    const lost = await healthOf(server);
    expect(lost.body.status).not.toBe('connected');
    expect(lost.body.connectedSince).toBeNull();
    expect(lost.body.lastError).toEqual(expect.any(String));
    // The broker password never appears, whatever the error says.
    const password = new URL(AMQP_URL).password;
    if (password) expect(lost.text).not.toContain(`:${password}@`);

    proxy.restore();
    await waitFor('health to report the reconnection', async () => (await healthOf(server)).code === 200, 15_000);
    expect((await healthOf(server)).body.status).toBe('connected');
  });
});
