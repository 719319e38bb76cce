import { type Bus, type BusOptions, type EventMeta } from '@remit/core';
import { type PostgresOutboxOptions, postgresOutbox } from '@remit/postgres';
import type pg from 'pg';
import { TestTopology } from '../helpers/buses.js';
import { TestSchema } from '../helpers/postgres.js';

export type Order = { id: string; total: number; at: Date };
export type Events = { 'order.placed': Order; seq: { tx: number; i: number } };

/**
 * One test's world: a private exchange (TestTopology) and a private schema (TestSchema), buses on
 * the one and outboxes on the other. `cleanup()` closes outboxes, then buses, then drops both.
 */
export class OutboxWorld {
  readonly topology = new TestTopology();
  readonly #outboxes: { close(): Promise<void> }[] = [];
  private constructor(readonly schema: TestSchema) {}

  static async create(): Promise<OutboxWorld> {
    return new OutboxWorld(await TestSchema.create());
  }

  bus(service: string, options: Partial<BusOptions> = {}): Bus<Events> {
    return this.topology.bus<Events>({ service, ...options });
  }

  /** An outbox in this test's schema (tables created by migrate() unless `migrate: false`). */
  async outbox(bus: Bus<Events>, options: Partial<PostgresOutboxOptions<Bus<Events>>> & { pool?: pg.Pool; migrate?: boolean } = {}) {
    const { migrate = true, ...rest } = options;
    const outbox = postgresOutbox({ bus, pool: options.pool ?? this.schema.pool(), schema: this.schema.name, pollIntervalMs: 200, ...rest });
    this.#outboxes.push(outbox);
    if (migrate) await outbox.migrate();
    return outbox;
  }

  /** A started publisher bus ('orders'), and a started receiver ('billing') that keeps every `event` it hears. */
  async ordersToBilling<K extends keyof Events>(event: K): Promise<{ bus: Bus<Events>; seen: { payload: Events[K]; meta: EventMeta }[] }> {
    const bus = this.bus('orders');
    const receiver = this.bus('billing');
    const { seen, handler } = this.collect<Events[K]>();
    receiver.on(event, handler);
    await Promise.all([bus.start(), receiver.start()]);
    return { bus, seen };
  }

  /** A handler that keeps every event it hears, for counting. */
  collect<T>(): { seen: { payload: T; meta: EventMeta }[]; handler: (payload: T, meta: EventMeta) => void } {
    const seen: { payload: T; meta: EventMeta }[] = [];
    return { seen, handler: (payload, meta) => void seen.push({ payload, meta }) };
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled(this.#outboxes.splice(0).map((outbox) => outbox.close()));
    await this.topology.cleanup();
    await this.schema.drop();
  }
}

export const order = (id: string, total = 10): Order => ({ id, total, at: new Date(Date.UTC(2026, 0, 1)) });
