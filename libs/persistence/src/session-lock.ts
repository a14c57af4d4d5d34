import { Client } from 'pg';

/**
 * A lock for singleton work among the hub processes sharing one database (source polling, say):
 * a PostgreSQL session-level advisory lock, held on a connection of its own for as long as that
 * connection lives.
 */
export interface SessionLock {
  /**
   * Whether this process holds the lock now. Checks first that the connection holding it still
   * answers (a lost session is a lost lock), and tries to take it when not held. Rejects when the
   * database cannot be reached; the lock is not held then.
   */
  held(): Promise<boolean>;
  /** Gives the lock up (if held) and stops taking it. */
  release(): Promise<void>;
}

/** Told when this process takes the lock and when it loses it (why, in `reason`). */
export interface SessionLockEvents {
  taken?(): void;
  lost?(reason: string): void;
}

/** How long the lock's connection may take to connect or answer before it counts as lost. */
const lockConnectionTimeoutMs = 10_000;

/** One process, one database (the embedded one): the lock is always this process's. */
export function inProcessSessionLock(): SessionLock {
  return { held: async () => true, release: async () => undefined };
}

/** The advisory lock `name` on PostgreSQL at `databaseUrl`. */
export function postgresSessionLock(databaseUrl: string, name: string, events: SessionLockEvents = {}): SessionLock {
  /** The connection whose session holds the lock; null while not held. */
  let holder: Client | null = null;
  let checking: Promise<boolean> | null = null;
  let released = false;

  const lose = (client: Client, reason: string) => {
    if (holder !== client) return;
    holder = null;
    // Should the session still be alive somewhere (a query timed out), ending it gives the lock up.
    void client.end().catch(() => undefined);
    events.lost?.(reason);
  };

  const take = async (): Promise<boolean> => {
    const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: lockConnectionTimeoutMs, query_timeout: lockConnectionTimeoutMs, keepAlive: true });
    // A connection that dies (the server restarted, its backend was terminated) takes the lock with it.
    client.on('error', (error) => lose(client, `its connection failed: ${error.message}`));
    client.on('end', () => lose(client, 'its connection ended'));
    try {
      await client.connect();
      const { rows } = await client.query<{ held: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS held`, [name]);
      if (rows[0]?.held === true && !released) {
        holder = client;
        events.taken?.();
        return true;
      }
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new Error(`the ${name} lock could not be taken: ${(error as Error).message}`);
    }
    await client.end().catch(() => undefined);
    return false;
  };

  const check = async (): Promise<boolean> => {
    const client = holder;
    if (client) {
      try {
        await client.query('SELECT 1');
        if (holder === client) return true;
      } catch (error) {
        lose(client, `its connection does not answer: ${(error as Error).message}`);
      }
    }
    return released ? false : take();
  };

  return {
    held() {
      // Ticks that overlap share one check, so one process never opens two sessions for the lock.
      checking ??= check().finally(() => {
        checking = null;
      });
      return checking;
    },
    async release() {
      released = true;
      await checking?.catch(() => undefined);
      const client = holder;
      holder = null;
      await client?.end().catch(() => undefined);
    },
  };
}
