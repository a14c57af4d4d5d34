import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type Database, openDatabase } from './database';

export type DatabaseKind = 'pglite' | 'postgres';

/** The databases tests run against: embedded PGlite always, real PostgreSQL when `DATABASE_URL` is set. */
export function testDatabaseKinds(): DatabaseKind[] {
  return process.env['DATABASE_URL'] ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * A throwaway database: in-memory PGlite, or a freshly created database on the `DATABASE_URL`
 * server, dropped on close.
 */
export async function openEphemeralDatabase(kind: DatabaseKind, options: { migrate: boolean } = { migrate: true }): Promise<Database & { url: string | null }> {
  if (kind === 'pglite') return { ...(await openDatabase({ dataDir: null, migrate: options.migrate })), url: null };
  const serverUrl = process.env['DATABASE_URL'];
  if (!serverUrl) throw new Error('DATABASE_URL is not set: cannot create a PostgreSQL test database');
  const name = `capstan_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: null, migrate: options.migrate });
  return {
    ...database,
    url: url.toString(),
    async close() {
      await database.close();
      await withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function withAdminClient<T>(url: string, action: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await action(client);
  } finally {
    await client.end();
  }
}
