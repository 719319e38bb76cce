import pg from 'pg';
import { unique } from './broker.js';

/** The PostgreSQL every postgres test uses (trust auth on this machine). */
export const POSTGRES_URL = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** POSTGRES_URL with the password masked, for messages. */
export function maskedPostgresUrl(): string {
  const url = new URL(POSTGRES_URL);
  if (url.password) url.password = '***';
  return url.toString();
}

/**
 * A schema of its own for one test (created now, dropped with everything in it on `drop()`), and
 * pools on the database, each ended on `drop()`. Test files run in parallel on one database.
 */
export class TestSchema {
  readonly name = unique('test_outbox').replace(/[^a-z0-9_]/g, '_');
  readonly #pools: pg.Pool[] = [];

  /** A unique schema name, not created: for a program under test that creates its schema itself. */
  static reserve(): TestSchema {
    return new TestSchema();
  }

  static async create(): Promise<TestSchema> {
    const schema = new TestSchema();
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`CREATE SCHEMA "${schema.name}"`);
      await admin.query(`CREATE TABLE "${schema.name}".orders (id text PRIMARY KEY, total integer NOT NULL)`);
      await admin.query(`CREATE TABLE "${schema.name}".effects (id text PRIMARY KEY, event_id text NOT NULL, handler text NOT NULL)`);
    } finally {
      await admin.end();
    }
    return schema;
  }

  /** A pool whose connections find this schema's tables first (orders, effects, and the outbox's when no schema option is given). */
  pool(max = 10): pg.Pool {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max, options: `-c search_path=${this.name},public` });
    // An idle client whose server goes away emits 'error' on the pool; the test sees the failure elsewhere.
    pool.on('error', () => {});
    this.#pools.push(pool);
    return pool;
  }

  /** One query on a short-lived connection. */
  async query<R extends pg.QueryResultRow = Record<string, unknown>>(text: string, values: unknown[] = []): Promise<R[]> {
    const client = new pg.Client({ connectionString: POSTGRES_URL, options: `-c search_path=${this.name},public` });
    await client.connect();
    try {
      return (await client.query<R>(text, values)).rows;
    } finally {
      await client.end();
    }
  }

  async count(table: string, where = 'true'): Promise<number> {
    const [row] = await this.query<{ n: string }>(`SELECT count(*) AS n FROM "${this.name}".${table} WHERE ${where}`);
    return Number(row?.n ?? 0);
  }

  async drop(): Promise<void> {
    await Promise.allSettled(this.#pools.splice(0).map((pool) => pool.end()));
    const admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    try {
      await admin.query(`DROP SCHEMA IF EXISTS "${this.name}" CASCADE`);
    } finally {
      await admin.end();
    }
  }
}
