import { ConfigError, createBus, memory } from '@remit/core';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresOutbox } from '../src/index.js';

// A Pool connects on first use only: these tests never reach a database.
const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
const bus = createBus({ service: 'orders', transport: memory() });

function field(options: object): string {
  try {
    postgresOutbox({ bus, pool, ...options });
    return 'accepted';
  } catch (error) {
    return error instanceof ConfigError ? error.field : String(error);
  }
}

describe('postgresOutbox options', () => {
  it.each([
    [{ schema: 'Robert"; DROP TABLE students; --' }, 'schema'],
    [{ outboxTable: '1outbox' }, 'outboxTable'],
    [{ inboxTable: 'Inbox' }, 'inboxTable'],
    [{ batchSize: 0 }, 'batchSize'],
    [{ batchSize: 1.5 }, 'batchSize'],
    [{ pollIntervalMs: 'fast' }, 'pollIntervalMs'],
    [{ standbyPollMs: -1 }, 'standbyPollMs'],
    [{ maxAttempts: 0 }, 'maxAttempts'],
    [{ inboxRetentionMs: 5 }, 'inboxRetentionMs'],
    [{ closeTimeoutMs: null }, 'closeTimeoutMs'],
    [{ onError: 'log' }, 'onError'],
    [{ pool: {} }, 'pool'],
    [{ bus: { publish() {} } }, 'bus'],
    [{ onEror: () => {} }, 'onEror'],
  ])('%j is refused with ConfigError naming %s', (options, name) => {
    expect(field(options)).toBe(name);
  });

  it('accepts the defaults and every option within range', () => {
    expect(field({})).toBe('accepted');
    expect(
      field({ schema: 'billing', outboxTable: 'events_out', inboxTable: 'events_in', batchSize: 1000, pollIntervalMs: 250, maxAttempts: 3 }),
    ).toBe('accepted');
  });

  it('migrationSql() quotes every name, and outboxes on other tables get their own channel and lock', () => {
    const a = postgresOutbox({ bus, pool, schema: 'billing' }).migrationSql().join('\n');
    const b = postgresOutbox({ bus, pool, schema: 'shipping' }).migrationSql().join('\n');
    expect(a).toContain('CREATE TABLE IF NOT EXISTS "billing"."remit_outbox"');
    expect(a).toContain('CREATE TABLE IF NOT EXISTS "billing"."remit_inbox"');
    const channel = (sql: string) => /pg_notify\('([a-z0-9_]+)'/.exec(sql)?.[1];
    expect(channel(a)).toMatch(/^remit_outbox_[0-9a-f]{16}$/);
    expect(channel(a)).not.toBe(channel(b));
  });

  it('inbox() needs a function with a stable name', () => {
    const outbox = postgresOutbox({ bus, pool });
    expect(() => outbox.inbox(async () => {})).toThrow(ConfigError);
    expect(() => outbox.inbox('handler' as never)).toThrow(ConfigError);
    expect(outbox.inbox(async function reserveStock() {}).name).toBe('reserveStock');
    expect(outbox.inbox(async () => {}, { name: 'reserve-stock' }).name).toBe('reserve-stock');
  });
});
