import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PostgreSQL running in-process (PGlite), reachable by the `pg` driver on a loopback port. */
export interface EmbeddedPostgres {
  /** A `postgres://` URL for the `pg` driver; PGlite is one session, so use a pool of one connection. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts PGlite persisted in `dataDir` (in memory when null) and serves it on 127.0.0.1.
 * A data directory already in use by another process is refused by PGlite itself.
 */
export async function startEmbeddedPostgres(dataDir: string | null): Promise<EmbeddedPostgres> {
  if (dataDir) mkdirSync(dataDir, { recursive: true });
  const db = await PGlite.create(dataDir ?? undefined);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 });
  try {
    await server.start();
  } catch (error) {
    await db.close();
    throw error;
  }
  const address = server.getServerConn();
  return {
    url: `postgres://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
