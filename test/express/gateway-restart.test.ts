import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { amqp, type Bus, createBus, type EventMap } from '@remit/core';
import { gateway } from '@remit/express';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { AMQP_URL, deleteTopology, unique, waitFor } from '../helpers/broker.js';
import { ChildInstance } from '../helpers/processes.js';

type Requests = { 'price.quote': { request: { n: number }; response: { payload: { n: number }; by: string } } };

const children: ChildInstance[] = [];
let server: Server | undefined;
let client: Bus<EventMap, Requests> | undefined;
const cleanup: { queues: string[]; exchanges: string[] } = { queues: [], exchanges: [] };
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  await client?.close();
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await deleteTopology(cleanup);
});

describe('gateway() during a rolling restart of its responders', () => {
  it('answers every HTTP request 200 while two responder processes restart one after the other, then both at once', async () => {
    const service = unique('pricing');
    const requestExchange = unique('test.requests');
    const exchange = unique('test.events');
    cleanup.queues.push(`remit.requests.${service}`);
    cleanup.exchanges.push(requestExchange, exchange);
    // Each request takes a while, so every restart drains requests that are running.
    const responder = () => new ChildInstance({ service, exchange, requestExchange, handle: { name: 'price.quote', delayMs: 20 } });
    const instances = [responder(), responder()];
    children.push(...instances);
    await Promise.all(instances.map((instance) => instance.ready()));

    client = createBus<EventMap, Requests>({ service: 'web', transport: amqp({ url: AMQP_URL, exchange, requestExchange }) });
    await client.start();
    const app = express();
    app.post('/quote', express.json(), gateway(client, 'price.quote', { timeoutMs: 20_000 }));
    const listening = app.listen(0, '127.0.0.1');
    server = listening;
    await new Promise((resolve) => listening.once('listening', resolve));
    const url = `http://127.0.0.1:${(listening.address() as AddressInfo).port}/quote`;

    // Four clients send requests back to back until the restarts are over.
    const counts = { sent: 0, ok: 0, other: 0 };
    const statuses = new Map<number, number>();
    const servedBy = new Set<string>();
    let sending = true;
    const clients = Array.from({ length: 4 }, async () => {
      while (sending) {
        const n = counts.sent++;
        const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ n }) });
        const body = (await response.json()) as { payload?: { n: number }; by?: string };
        if (response.status === 200 && body.payload?.n === n && body.by) {
          counts.ok++;
          servedBy.add(body.by);
        } else {
          counts.other++;
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        }
      }
    });

    const restarted: string[] = [];
    for (const [index, old] of instances.entries()) {
      await waitFor('requests answered before this restart', () => counts.ok >= 20 * (index + 1), 20_000);
      // SIGTERM: the responder stops consuming, finishes what it runs, replies, acks, then exits.
      expect(await old.signal('SIGTERM')).toBe(0);
      const fresh = responder();
      children.push(fresh);
      await fresh.ready();
      restarted.push(fresh.instanceId);
    }
    // Then both at once: for a moment nobody serves, and requests wait in the service's durable queue.
    const beforeGap = counts.ok;
    await waitFor('requests answered by the restarted instances', () => counts.ok >= beforeGap + 20, 20_000);
    const [first, second] = children.slice(-2);
    if (!first || !second) throw new Error('two responders expected');
    expect(await Promise.all([first.signal('SIGTERM'), second.signal('SIGTERM')])).toEqual([0, 0]);
    const sentInGap = counts.sent;
    const replacements = [responder(), responder()];
    children.push(...replacements);
    await Promise.all(replacements.map((instance) => instance.ready()));
    const afterGap = counts.ok;
    await waitFor('requests answered after the gap', () => counts.ok >= afterGap + 20, 20_000);
    sending = false;
    await Promise.all(clients);

    console.log(
      `[gateway rolling restart] sent ${counts.sent}, answered 200 ${counts.ok}, other statuses ${counts.other}` +
        ` (both responders down at once from request ${sentInGap})` +
        (statuses.size > 0 ? ` (${[...statuses].map(([status, count]) => `${status}: ${count}`).join(', ')})` : ''),
    );
    expect(counts.other).toBe(0);
    expect(counts.ok).toBe(counts.sent);
    expect(restarted.some((instanceId) => servedBy.has(instanceId))).toBe(true);
  }, 90_000);
});
