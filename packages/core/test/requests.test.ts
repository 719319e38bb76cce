import { describe, expect, it } from 'vitest';
import { type Bus, ClosedError, ConfigError, type EventMap, type FailureReport, type MemoryBroker, memoryBroker, NoResponderError, RemoteError, RequestTimeoutError } from '../src/index.js';
import { memoryBuses, sleep } from './memory-buses.js';

type Requests = {
  'price.quote': { request: { sku: string; delayMs?: number }; response: { sku: string; cents: bigint; by: string } };
  'order.fail': { request: { why: string }; response: never };
};

const bus = memoryBuses<EventMap, Requests>();

/** Three instances of `pricing`, each answering with its own instance id. */
async function pricing(broker: MemoryBroker, count = 3): Promise<Bus<EventMap, Requests>[]> {
  const responders = Array.from({ length: count }, (_, n) => {
    const responder = bus(broker, { service: 'pricing', instanceId: `pricing-${n}` });
    responder.handle('price.quote', async ({ sku, delayMs }) => {
      if (delayMs) await sleep(delayMs);
      return { sku, cents: BigInt(sku.length) * 100n, by: responder.instanceId };
    });
    return responder;
  });
  await Promise.all(responders.map((responder) => responder.start()));
  return responders;
}

describe('request/reply on the memory transport', () => {
  it('resolves with the reply of exactly one instance of the serving service, decoded by the codec', async () => {
    const broker = memoryBroker();
    await pricing(broker);
    const client = bus(broker, { service: 'shop' });
    await client.start();
    const replies = await Promise.all(Array.from({ length: 30 }, (_, n) => client.request('price.quote', { sku: 'x'.repeat(n + 1) })));
    expect(replies.map((reply) => reply.cents)).toEqual(Array.from({ length: 30 }, (_, n) => BigInt(n + 1) * 100n));
    // Competing consumers: the work is spread, and every reply came from a real instance.
    expect(new Set(replies.map((reply) => reply.by)).size).toBeGreaterThan(1);
    expect(replies.every((reply) => /^pricing-\d$/.test(reply.by))).toBe(true);
  });

  it('matches replies that arrive in any order to their own requests', async () => {
    const broker = memoryBroker();
    await pricing(broker, 1);
    const client = bus(broker, { service: 'shop' });
    await client.start();
    // Later requests answer first: the delays decrease.
    const skus = Array.from({ length: 20 }, (_, n) => `sku-${n}`);
    const replies = await Promise.all(skus.map((sku, n) => client.request('price.quote', { sku, delayMs: (20 - n) * 3 })));
    expect(replies.map((reply) => reply.sku)).toEqual(skus);
  });

  it('rejects with RemoteError carrying the name, message and code of what the handler threw, without its stack', async () => {
    const broker = memoryBroker();
    const failures: FailureReport[] = [];
    const responder = bus(broker, { service: 'orders', instanceId: 'orders-1', onError: (f) => void failures.push(f) });
    responder.handle('order.fail', function failOrder({ why }) {
      throw Object.assign(new TypeError(why), { code: 'E_OUT_OF_STOCK' });
    });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    const error = await client.request('order.fail', { why: 'no stock' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      name: 'RemoteError',
      code: 'ERR_REMOTE',
      requestName: 'order.fail',
      remoteName: 'TypeError',
      remoteMessage: 'no stock',
      remoteCode: 'E_OUT_OF_STOCK',
      remoteService: 'orders',
      remoteInstance: 'orders-1',
      remoteStack: undefined,
    });
    expect((error as Error).message).toContain('no stock');
    expect(failures).toMatchObject([{ kind: 'request', event: 'order.fail', handler: 'failOrder' }]);
  });

  it('sends the remote stack only with exposeStack', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'orders' });
    responder.handle('order.fail', ({ why }) => {
      throw new Error(why);
    }, { exposeStack: true });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    const error = await client.request('order.fail', { why: 'boom' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect((error as RemoteError).remoteStack).toContain('boom');
    expect((error as RemoteError).remoteStack).toContain('requests.test.ts');
  });

  it('rejects with NoResponderError when no service handles the name', async () => {
    const broker = memoryBroker();
    const client = bus(broker, { service: 'shop' });
    await client.start();
    const error = await client.request('price.quote', { sku: 'a' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoResponderError);
    expect(error).toMatchObject({ name: 'NoResponderError', code: 'ERR_NO_RESPONDER', requestName: 'price.quote' });
  });

  it('rejects with RequestTimeoutError when the reply is late, and drops the late reply quietly', async () => {
    const broker = memoryBroker();
    await pricing(broker, 1);
    const failures: FailureReport[] = [];
    const client = bus(broker, { service: 'shop', onError: (f) => void failures.push(f) });
    await client.start();
    const error = await client.request('price.quote', { sku: 'slow', delayMs: 150 }, { timeoutMs: 30 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ name: 'RequestTimeoutError', code: 'ERR_REQUEST_TIMEOUT', timeoutMs: 30 });
    await sleep(200);
    expect(failures).toEqual([]);
    await expect(client.request('price.quote', { sku: 'next' })).resolves.toMatchObject({ sku: 'next' });
  });

  it('rejects at once with the signal reason when aborted, and drops the late reply quietly', async () => {
    const broker = memoryBroker();
    await pricing(broker, 1);
    const failures: FailureReport[] = [];
    const client = bus(broker, { service: 'shop', onError: (f) => void failures.push(f) });
    await client.start();
    const controller = new AbortController();
    const pending = client.request('price.quote', { sku: 'slow', delayMs: 100 }, { signal: controller.signal });
    const reason = new Error('user went away');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
    await expect(client.request('price.quote', { sku: 'a' }, { signal: controller.signal })).rejects.toBe(reason);
    await sleep(150);
    expect(failures).toEqual([]);
  });

  it('serves a name handled after start, and refuses a second handler for one name', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'pricing' });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    responder.handle('price.quote', ({ sku }) => ({ sku, cents: 1n, by: 'late' }));
    await expect(client.request('price.quote', { sku: 'a' })).resolves.toMatchObject({ by: 'late' });
    expect(() => responder.handle('price.quote', ({ sku }) => ({ sku, cents: 2n, by: 'again' }))).toThrow(ConfigError);
  });

  it('answers NoResponderError from an instance that stopped serving a name its service still has bound', async () => {
    const broker = memoryBroker();
    const responder = bus(broker, { service: 'pricing' });
    const stop = responder.handle('price.quote', ({ sku }) => ({ sku, cents: 1n, by: 'r' }));
    responder.handle('order.fail', () => {
      throw new Error('x');
    });
    const client = bus(broker, { service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    stop();
    await expect(client.request('price.quote', { sku: 'a' })).rejects.toBeInstanceOf(NoResponderError);
  });

  it('holds a request made before start() and sends it once the bus is connected', async () => {
    const broker = memoryBroker();
    await pricing(broker, 1);
    const client = bus(broker, { service: 'shop' });
    const early = client.request('price.quote', { sku: 'early' });
    await sleep(20);
    await client.start();
    await expect(early).resolves.toMatchObject({ sku: 'early', cents: 500n });
  });

  it('checks request arguments and refuses requests after close', async () => {
    const broker = memoryBroker();
    const client = bus(broker, { service: 'shop' });
    await client.start();
    await expect(client.request('price.quote', { sku: 'a' }, { timeoutMs: 0 })).rejects.toThrow(ConfigError);
    await expect(client.request('price.quote', { sku: 'a' }, { bogus: 1 } as never)).rejects.toThrow(/bogus/);
    await client.close();
    await expect(client.request('price.quote', { sku: 'a' })).rejects.toBeInstanceOf(ClosedError);
  });

  it('close() waits for a running request handler and its reply', async () => {
    const broker = memoryBroker();
    const [responder] = await pricing(broker, 1);
    const client = bus(broker, { service: 'shop' });
    await client.start();
    const pending = client.request('price.quote', { sku: 'abc', delayMs: 80 });
    await sleep(20);
    await responder?.close();
    await expect(pending).resolves.toMatchObject({ sku: 'abc', cents: 300n });
  });
});
