import { afterEach, describe, expect, it } from 'vitest';
import { amqp, type Bus, createBus } from '@remit/core';
import { AMQP_PORT, unique, urlOnPort } from '../helpers/broker.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';

const proxies: TcpProxy[] = [];
afterEach(async () => {
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});


describe('close() while the connection is cut', () => {
  // amqplib waits for the broker's close-ok of each channel and of the connection; a connection
  // that dies in between used to leave close() pending forever (found by the memory bench).
  it.each([0, 1, 5, 20])('returns when the connection dies %i ms into close()', async (delayMs) => {
    const proxy = await TcpProxy.start(AMQP_PORT);
    proxies.push(proxy);
    const bus: Bus = createBus({ service: 'closing', transport: amqp({ url: urlOnPort(proxy.port), exchange: unique('test.close') }) });
    bus.on('anything', () => {});
    await bus.start();
    expect(bus.health().status).toBe('connected');

    const closing = bus.close({ timeoutMs: 2000 });
    setTimeout(() => proxy.cut(), delayMs);
    await closing;

    expect(bus.health().status).toBe('closed');
  });
});
