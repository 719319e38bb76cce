import { ConnectionError, type FailureReport, NoResponderError, RemoteError, RequestTimeoutError } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { FullTopology } from '../fixtures/full-topology.js';
import { queueInfo, waitFor, withRawChannel } from '../helpers/broker.js';
import { closeConnectionsNamed } from '../helpers/rabbitmqctl.js';

type Requests = {
  'price.quote': { request: { n: number; delayMs?: number }; response: { n: number; by: string } };
  'order.place': { request: { sku: string }; response: never };
};

/** What fixtures/instance.mjs answers: the payload back, who served it, and whether it was redelivered. */
type ChildReply = { payload: { n: number }; by: string; redelivered: boolean };
type ChildRequests = { 'price.quote': { request: { n: number }; response: ChildReply } };

let topology: FullTopology;
afterEach(async () => topology.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A bus serving `price.quote` after the `delayMs` each request asks for, answering with its instance id. */
function slowResponder(topology: FullTopology) {
  const responder = topology.bus<object, Requests>({ service: topology.service('slow') });
  responder.handle('price.quote', async ({ n, delayMs }) => {
    await sleep(delayMs ?? 0);
    return { n, by: responder.instanceId };
  });
  return responder;
}

describe('request/reply over RabbitMQ', () => {
  it("serves from a classic request queue with requestQueueType: 'classic', a quorum one by default", async () => {
    type Counted = { 'stock.count': { request: { n: number }; response: { n: number; by: string } } };
    topology = new FullTopology();
    const classic = topology.service('classic');
    const quorum = topology.service('quorum');
    const classicResponder = topology.bus<object, Requests>({ service: classic }, { requestQueueType: 'classic' });
    classicResponder.handle('price.quote', ({ n }) => ({ n, by: classic }));
    const quorumResponder = topology.bus<object, Counted>({ service: quorum });
    quorumResponder.handle('stock.count', ({ n }) => ({ n, by: quorum }));
    const client = topology.bus<object, Requests & Counted>({ service: 'shop' });
    await Promise.all([classicResponder, quorumResponder, client].map((bus) => bus.start()));
    expect(await client.request('price.quote', { n: 1 })).toEqual({ n: 1, by: classic });
    expect(await client.request('stock.count', { n: 2 })).toEqual({ n: 2, by: quorum });
    // Declaring a queue with another x-queue-type than it has is refused: that is how its type shows.
    const declaredAs = (queue: string, type: 'classic' | 'quorum') =>
      withRawChannel((channel) => channel.assertQueue(queue, { durable: true, arguments: { 'x-expires': 60_000, 'x-queue-type': type } })).then(
        () => 'same',
        (error: Error) => error.message,
      );
    expect(await declaredAs(`remit.requests.${classic}`, 'classic')).toBe('same');
    expect(await declaredAs(`remit.requests.${classic}`, 'quorum')).toMatch(/inequivalent arg 'x-queue-type'/);
    expect(await declaredAs(`remit.requests.${quorum}`, 'quorum')).toBe('same');
  });

  it('answers requests from another process, one instance of the serving service per request', async () => {
    topology = new FullTopology();
    const service = topology.service('pricing');
    const responders = [1, 2].map(() => topology.child({ service, handle: { name: 'price.quote', delayMs: 5 } }));
    await Promise.all(responders.map((child) => child.ready()));
    const client = topology.bus<object, ChildRequests>({ service: 'shop' });
    await client.start();
    const replies = await Promise.all(Array.from({ length: 40 }, (_, n) => client.request('price.quote', { n })));
    expect(replies.map((reply) => reply.payload.n)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    const ids = responders.map((child) => child.instanceId);
    expect(replies.every((reply) => ids.includes(reply.by))).toBe(true);
    expect(new Set(replies.map((reply) => reply.by)).size).toBe(2);
    // Each request ran exactly once, on one of the two instances.
    expect(responders.reduce((sum, child) => sum + child.of('serving').length, 0)).toBe(40);
    const queue = await queueInfo(`remit.requests.${service}`);
    expect(queue).toEqual({ queue: `remit.requests.${service}`, messageCount: 0, consumerCount: 2 });
  });

  it('answers 1,000 concurrent requests, each with its own reply, over one reply consumer', async () => {
    topology = new FullTopology();
    const service = topology.service('pricing');
    const responders = [1, 2].map(() => topology.child({ service, handle: { name: 'price.quote' } }));
    await Promise.all(responders.map((child) => child.ready()));
    const client = topology.bus<object, ChildRequests>({ service: 'shop' });
    await client.start();
    const count = 1000;
    const replies = await Promise.all(Array.from({ length: count }, (_, n) => client.request('price.quote', { n }, { timeoutMs: 20_000 })));
    const wrong = replies.filter((reply, n) => reply.payload.n !== n);
    expect(wrong).toEqual([]);
    expect(replies).toHaveLength(count);
  });

  it('rejects with RequestTimeoutError when the reply is late, and drops the late reply quietly', async () => {
    topology = new FullTopology();
    const responder = slowResponder(topology);
    const failures: FailureReport[] = [];
    const client = topology.bus<object, Requests>({ service: 'shop', onError: (failure) => void failures.push(failure) });
    await Promise.all([responder.start(), client.start()]);
    const error = await client.request('price.quote', { n: 1, delayMs: 600 }, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestTimeoutError);
    expect(error).toMatchObject({ name: 'RequestTimeoutError', requestName: 'price.quote', timeoutMs: 150 });
    await sleep(700);
    expect(failures).toEqual([]);
    await expect(client.request('price.quote', { n: 2 })).resolves.toEqual({ n: 2, by: responder.instanceId });
  });

  it('rejects with NoResponderError at once when no service serves the name', async () => {
    topology = new FullTopology();
    const client = topology.bus<object, Requests>({ service: 'shop' });
    await client.start();
    const error = await client.request('price.quote', { n: 1 }, { timeoutMs: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoResponderError);
    expect((error as Error).message).toContain('price.quote');
  });

  it('rejects with RemoteError carrying the remote name, message and code when the handler throws', async () => {
    topology = new FullTopology();
    const service = topology.service('orders');
    const responder = topology.child({ service, handle: { name: 'order.place', fail: 'out of stock' } });
    await responder.ready();
    const client = topology.bus<object, Requests>({ service: 'shop' });
    await client.start();
    const error = await client.request('order.place', { sku: 'A-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteError);
    expect(error).toMatchObject({
      remoteName: 'Error',
      remoteMessage: 'out of stock',
      remoteCode: 'E_CHILD',
      remoteService: service,
      remoteInstance: responder.instanceId,
      remoteStack: undefined,
    });
    expect((error as Error).message).toContain('out of stock');
  });

  it('rejects at once when aborted, and the late reply is dropped quietly', async () => {
    topology = new FullTopology();
    const service = topology.service('slow');
    const responder = topology.bus<object, Requests>({ service });
    let served = 0;
    responder.handle('price.quote', async ({ n }) => {
      await sleep(300);
      served++;
      return { n, by: 'r' };
    });
    const failures: FailureReport[] = [];
    const client = topology.bus<object, Requests>({ service: 'shop', onError: (failure) => void failures.push(failure) });
    await Promise.all([responder.start(), client.start()]);
    const controller = new AbortController();
    const pending = client.request('price.quote', { n: 1 }, { signal: controller.signal });
    await sleep(50);
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await waitFor('the responder to answer anyway', () => served === 1);
    await sleep(100);
    expect(failures).toEqual([]);
  });

  it('requests held by a responder that is killed are answered by another instance; a restarted one serves again', async () => {
    topology = new FullTopology();
    const service = topology.service('pricing');
    const handle = { name: 'price.quote', delayMs: 400 };
    const [doomed, survivor] = [topology.child({ service, handle }), topology.child({ service, handle })];
    await Promise.all([doomed.ready(), survivor.ready()]);
    const client = topology.bus<object, ChildRequests>({ service: 'shop' });
    await client.start();
    const pending = Promise.all(Array.from({ length: 20 }, (_, n) => client.request('price.quote', { n }, { timeoutMs: 20_000 })));
    await waitFor('the doomed responder to hold requests', () => doomed.of('serving').length > 0);
    await doomed.signal('SIGKILL');
    const restarted = topology.child({ service, handle });
    await restarted.ready();
    const replies = await pending;
    expect(replies.map((reply) => reply.payload.n)).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(replies.some((reply) => reply.by === doomed.instanceId)).toBe(false);
    const redelivered = replies.filter((reply) => reply.redelivered);
    expect(redelivered.length).toBeGreaterThan(0);
    const more = await Promise.all(Array.from({ length: 10 }, (_, n) => client.request('price.quote', { n }, { timeoutMs: 20_000 })));
    expect(more.some((reply) => reply.by === restarted.instanceId)).toBe(true);
  });

  it('a request in flight when the connection drops rejects with ConnectionError; requests work again after the reconnect', async () => {
    topology = new FullTopology();
    const responder = slowResponder(topology);
    const client = topology.bus<object, Requests>({ service: 'shop' });
    await Promise.all([responder.start(), client.start()]);
    // The handler outlasts rabbitmqctl, so the connection is gone before the reply is sent.
    const pending = client.request('price.quote', { n: 1, delayMs: 15_000 }, { timeoutMs: 30_000 }).catch((e: unknown) => e);
    await sleep(100);
    expect(await closeConnectionsNamed(client.instanceId)).toBe(1);
    const error = await pending;
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toContain('price.quote');
    await waitFor('the reconnect', () => client.health().status === 'connected');
    await expect(client.request('price.quote', { n: 2 })).resolves.toEqual({ n: 2, by: responder.instanceId });
    expect(client.stats().reconnects).toBe(1);
  });
});
