import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { type Database, openDatabase } from './database';

export type DatabaseKind = 'pglite' | 'postgres';

/** The databases tests run against: embedded PGlite always, real PostgreSQL when `DATABASE_URL` is set. */
export function testDatabaseKinds(): DatabaseKind[] {
  return process.env['DATABASE_URL'] ? ['pglite', 'postgres'] : ['pglite'];
}

/** Where a throwaway database lives: `databaseUrl` undefined means embedded PGlite in memory. */
export interface ProvisionedDatabase {
  databaseUrl: string | undefined;
  dispose(): Promise<void>;
}

/** Provisions a throwaway database: nothing for PGlite, a fresh database on the `DATABASE_URL` server for PostgreSQL. */
export async function provisionTestDatabase(kind: DatabaseKind): Promise<ProvisionedDatabase> {
  if (kind === 'pglite') return { databaseUrl: undefined, dispose: async () => undefined };
  const serverUrl = process.env['DATABASE_URL'];
  if (!serverUrl) throw new Error('DATABASE_URL is not set: cannot create a PostgreSQL test database');
  const name = `capstan_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(serverUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    dispose: () => withAdminClient(serverUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined),
  };
}

/** Opens a throwaway database of `kind`; closing it also drops it. */
export async function openEphemeralDatabase(kind: DatabaseKind, options: { migrate: boolean } = { migrate: true }): Promise<Database> {
  const provisioned = await provisionTestDatabase(kind);
  const database = await openDatabase({ databaseUrl: provisioned.databaseUrl, dataDir: null, migrate: options.migrate });
  return {
    ...database,
    async close() {
      await database.close();
      await provisioned.dispose();
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
