import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { TestTopology } from '../helpers/buses.js';
import { CHROMIUM_ARGS, requireChromium } from '../helpers/require-chromium.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { type Heard, ServerProcess } from './server-process.js';

type Events = { 'user.created': { n: number } };

let browser: Browser;
beforeAll(async () => {
  // Installs Debian's chromium when it is missing; that can take minutes on a fresh machine.
  const executablePath = requireChromium();
  browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS });
}, 300_000);
afterAll(async () => {
  await browser?.close();
});

let topology: TestTopology;
let proxy: TcpProxy | undefined;
const servers: ServerProcess[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  await proxy?.close();
  await topology.cleanup();
});

/** What the page has shown, in order: each line is "<event> <id> <data>". */
async function shown(page: Page): Promise<Array<{ event: string; id: string; n: number }>> {
  const lines = await page.locator('#events li').allTextContents();
  return lines.map((line) => {
    const [event = '', id = '', ...data] = line.split(' ');
    return { event, id, n: (JSON.parse(data.join(' ')) as { n: number }).n };
  });
}

/** Waits until the page has shown `count` events. */
async function showsCount(page: Page, count: number, timeout = 10_000): Promise<void> {
  await page.locator('#events li').nth(count - 1).waitFor({ timeout });
}

const opens = (page: Page) => page.locator('body').getAttribute('data-opens');

describe('eventStream() in headless Chromium', () => {
  it('a page shows events published by another instance live, and catches up after a dropped connection', async () => {
    topology = new TestTopology();
    const server = new ServerProcess({
      exchange: topology.exchange,
      deadLetter: topology.deadLetter,
      events: ['user.created'],
      stream: { retryMs: 200, bufferSize: 50 },
    });
    servers.push(server);
    await server.ready();
    // The browser reaches the server through a proxy the test can cut, like a flaky network.
    proxy = await TcpProxy.start(server.port);
    const publisher = topology.bus<Events>({ service: 'api' });
    const ids = new Map<number, string>();
    publisher.on('user.created', (payload, meta) => void ids.set(payload.n, meta.id));
    await publisher.start();
    const page = await browser.newPage();

    await page.goto(`http://127.0.0.1:${proxy.port}/`);
    await waitFor('the EventSource to open', async () => (await opens(page)) === '1');
    await publisher.publish('user.created', { n: 1 });
    await publisher.publish('user.created', { n: 2 });
    await showsCount(page, 2);
    expect(await shown(page)).toEqual([
      { event: 'user.created', id: ids.get(1), n: 1 },
      { event: 'user.created', id: ids.get(2), n: 2 },
    ]);

    // The connection drops and stays down while two more events are published.
    proxy.refuse();
    proxy.cut();
    await waitFor('the server to notice the lost client', async () => (await server.get<{ connections: number }>('/connections')).connections === 0);
    await publisher.publish('user.created', { n: 3 });
    await publisher.publish('user.created', { n: 4 });
    await waitFor('the server to receive the missed events', async () => (await server.get<Heard[]>('/heard')).length === 4);
    expect(await shown(page)).toHaveLength(2);

    // EventSource reconnects by itself and sends the last id it saw.
    proxy.restore();
    await showsCount(page, 4, 15_000);
    await publisher.publish('user.created', { n: 5 });
    await showsCount(page, 5);
    expect(await opens(page)).toBe('2');

    expect(await shown(page)).toEqual([1, 2, 3, 4, 5].map((n) => ({ event: 'user.created', id: ids.get(n), n })));
    const requests = await server.get<Array<{ lastEventId: string | null }>>('/stream-requests');
    expect(requests[0]).toEqual({ lastEventId: null });
    expect(requests.at(-1)).toEqual({ lastEventId: ids.get(2) });
    await page.close();
  });
});
