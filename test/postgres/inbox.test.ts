import type { FailureReport } from '@remit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../helpers/broker.js';
import { POSTGRES_URL } from '../helpers/postgres.js';
import { ChildInstance } from '../helpers/processes.js';
import { type Events, OutboxWorld } from './outbox-setup.js';

const FIXTURE = new URL('../fixtures/outbox-instance.mjs', import.meta.url).pathname;

let world: OutboxWorld;
const children: ChildInstance[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => child.stop()));
  await world.cleanup();
});

function consumer(group: string, extra: Record<string, unknown> = {}): ChildInstance {
  const instance = new ChildInstance(
    {
      role: 'consumer',
      service: 'billing',
      group,
      exchange: world.topology.exchange,
      deadLetter: world.topology.deadLetter,
      pgUrl: POSTGRES_URL,
      schema: world.schema.name,
      ...extra,
    },
    FIXTURE,
  );
  children.push(instance);
  return instance;
}

describe('outbox.inbox(): exactly-once effects for handlers that write to the same database', () => {
  it('an event redelivered after its effects committed (the consumer died before acking) is acked without running again', async () => {
    world = await OutboxWorld.create();
    const publisher = world.bus('orders');
    await (await world.outbox(publisher)).close();
    const group = world.topology.group('inbox');
    // Dies right after the inbox transaction of its first event commits, before the ack.
    const doomed = consumer(group, { dieAfterCommit: true });
    await doomed.ready();
    await publisher.start();
    for (let i = 0; i < 5; i++) await publisher.publish('seq', { tx: 0, i });
    await waitFor('the doomed consumer to die after its first commit', async () => (await world.schema.count('effects')) === 1);
    expect(await doomed.signal('SIGKILL')).toBeNull();
    const [first] = await world.schema.query<{ event_id: string }>('SELECT event_id FROM effects');

    const survivor = consumer(group);
    await survivor.ready();
    await waitFor('the survivor to ack all five', () => survivor.of('handled').length === 5, 20_000);
    const redelivered = survivor.of('handled').filter((message) => message.id === first?.event_id);
    survivor.send({ type: 'stats' });
    const { stats } = (await survivor.next('stats')) as unknown as { stats: { inboxHandled: number; inboxDuplicates: number } };
    const effects = await world.schema.query<{ id: string; event_id: string }>('SELECT id, event_id FROM effects ORDER BY id');
    console.log(
      `[fault] inbox, consumer killed after commit: published 5, effects ${effects.length}, redelivered ${redelivered.length}, ` +
        `skipped by the inbox ${stats.inboxDuplicates}, run by the survivor ${stats.inboxHandled}, effects lost ${5 - effects.length}`,
    );
    expect(redelivered).toHaveLength(1);
    expect(redelivered[0]?.redelivered).toBe(true);
    expect(stats).toMatchObject({ inboxDuplicates: 1, inboxHandled: 4 });
    expect(effects.map((effect) => effect.id)).toEqual(['0.0', '0.1', '0.2', '0.3', '0.4']);
    expect(await world.schema.count('remit_inbox')).toBe(5);
  });

  it('a handler that throws leaves no effects and no inbox record: a retry runs it again, a dead letter leaves nothing', async () => {
    world = await OutboxWorld.create();
    const failures: FailureReport[] = [];
    const bus = world.bus('billing', { onError: (report) => failures.push(report) });
    const outbox = await world.outbox(bus);
    let calls = 0;
    bus.on(
      'seq',
      outbox.inbox(async function chargeCard(event: Events['seq'], meta, tx) {
        calls++;
        await tx.query('INSERT INTO effects (id, event_id, handler) VALUES ($1, $2, $3)', [`${event.tx}.${event.i}`, meta.id, 'chargeCard']);
        // Event 0 fails twice then succeeds; event 1 always fails.
        if (event.i === 1 || calls <= 2) throw new Error(`card declined (call ${calls})`);
      }),
      { group: world.topology.group('charge') },
    );
    await bus.start();
    await bus.publish('seq', { tx: 0, i: 0 }, { local: false });
    await waitFor('event 0 to be handled', () => bus.stats().handled === 1);
    await bus.publish('seq', { tx: 0, i: 1 }, { local: false });
    await waitFor('event 1 to be dead-lettered', () => bus.stats().deadLettered === 1);

    const effects = await world.schema.query<{ id: string }>('SELECT id FROM effects');
    const inbox = await world.schema.query<{ handler: string }>('SELECT handler FROM remit_inbox');
    expect(effects.map((effect) => effect.id)).toEqual(['0.0']);
    expect(inbox).toEqual([{ handler: 'chargeCard' }]);
    expect(failures.filter((report) => report.kind === 'handler').map((report) => report.handler)).toEqual(['chargeCard']);
    expect(await outbox.stats()).toMatchObject({ inboxHandled: 1, inboxDuplicates: 0 });
  });

  it('the relay deletes inbox records older than inboxRetentionMs, and a handler needs a stable name', async () => {
    world = await OutboxWorld.create();
    const bus = world.bus('billing');
    await bus.start();
    const outbox = await world.outbox(bus, { inboxRetentionMs: 60 * 60 * 1000 });
    await world.schema.query(
      `INSERT INTO remit_inbox (handler, id, handled_at) VALUES ('h', 'old', now() - interval '2 hours'), ('h', 'recent', now() - interval '10 minutes')`,
    );
    await outbox.start();
    await waitFor('the old record to go', async () => (await world.schema.count('remit_inbox')) === 1);
    expect(await world.schema.query('SELECT id FROM remit_inbox')).toEqual([{ id: 'recent' }]);
    expect(() => outbox.inbox(async () => {})).toThrow(/stable name/);
    expect(outbox.inbox(async () => {}, { name: 'reserve-stock' }).name).toBe('reserve-stock');
  });
});
