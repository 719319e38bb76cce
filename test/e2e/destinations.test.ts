import { afterEach, describe, expect, it } from 'vitest';
import { FullTopology } from '../fixtures/full-topology.js';
import { waitFor } from '../helpers/broker.js';
import type { ChildInstance } from '../helpers/processes.js';

type Events = { 'config.reload': { rev: number } };

let topology: FullTopology;
afterEach(async () => topology.cleanup());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const revs = (child: ChildInstance | undefined) => child?.of('heard').map((message) => (message.payload as { rev: number }).rev);

async function system() {
  topology = new FullTopology();
  const children = ['billing', 'billing', 'mailer'].map((service) => topology.child({ service, events: ['config.reload'] }));
  await Promise.all(children.map((child) => child.ready()));
  const publisher = topology.bus<Events>({ service: 'admin' });
  await publisher.start();
  return { children, publisher };
}

describe('destinations over RabbitMQ', () => {
  it('an event sent to a service runs handlers on its instances only; the others count it as not for them', async () => {
    const { children, publisher } = await system();
    const [billing1, billing2, mailer] = children;
    await publisher.publish('config.reload', { rev: 1 }, { to: 'billing' });
    await publisher.publish('config.reload', { rev: 2 });
    await waitFor('every delivery', () => revs(billing1)?.length === 2 && revs(billing2)?.length === 2 && revs(mailer)?.length === 1);
    await sleep(200);
    expect([revs(billing1), revs(billing2), revs(mailer)]).toEqual([[1, 2], [1, 2], [2]]);
    mailer?.send({ type: 'stats' });
    expect((await mailer?.next('stats'))?.stats).toMatchObject({ received: 2, notForMe: 1, handled: 1 });
  });

  it('an event sent to one instance runs handlers there only', async () => {
    const { children, publisher } = await system();
    const [billing1, billing2, mailer] = children;
    await publisher.publish('config.reload', { rev: 7 }, { to: `billing:${billing2?.instanceId}` });
    await waitFor('the addressee', () => revs(billing2)?.length === 1);
    await sleep(300);
    expect([revs(billing1), revs(billing2), revs(mailer)]).toEqual([[], [7], []]);
  });
});
