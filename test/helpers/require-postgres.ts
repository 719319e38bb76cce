import pg from 'pg';
import { maskedPostgresUrl, POSTGRES_URL } from './postgres.js';

/**
 * Runs once before the suites that need PostgreSQL. A missing database fails the run loudly; it
 * never turns into skipped tests.
 */
export default async function requirePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${maskedPostgresUrl()} (${error instanceof Error ? error.message : String(error)}). ` +
        'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set POSTGRES_URL. ' +
        'The @remit/postgres tests do not run without it.',
    );
  } finally {
    await client.end().catch(() => {});
  }
}
