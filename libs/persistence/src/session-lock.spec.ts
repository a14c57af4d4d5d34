import { Client } from 'pg';
import { openDatabase } from './database';
import { provisionTestDatabase } from './ephemeral-database';
import { inProcessSessionLock, postgresSessionLock } from './session-lock';

describe('session lock on the embedded database', () => {
  it('is always held: one process is all there is', async () => {
    const lock = inProcessSessionLock();
    expect(await lock.held()).toBe(true);
    await lock.release();
  });
});

if (process.env['DATABASE_URL']) {
  describe('session lock between hub processes on one PostgreSQL', () => {
    let databaseUrl: string;
    let dispose: () => Promise<void>;
    const events: string[] = [];
    const lockOf = (who: string) => postgresSessionLock(databaseUrl, 'capstan:test-lock', { taken: () => events.push(`${who} took`), lost: () => events.push(`${who} lost`) });
    /** What a PostgreSQL restart looks like to its clients: every session of the database ends. */
    const terminateSessions = async () => {
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`);
      await admin.end();
    };

    beforeAll(async () => {
      const provisioned = await provisionTestDatabase('postgres');
      databaseUrl = provisioned.databaseUrl as string;
      dispose = provisioned.dispose;
    });
    afterAll(() => dispose());
    beforeEach(() => events.splice(0));

    it('is held by one process at a time, and passes to another when released', async () => {
      const [first, second] = [lockOf('first'), lockOf('second')];
      expect(await first.held()).toBe(true);
      expect(await second.held()).toBe(false);
      expect(await first.held()).toBe(true);
      await first.release();
      expect(await second.held()).toBe(true);
      expect(await first.held()).toBe(false);
      await second.release();
      expect(events).toEqual(['first took', 'second took']);
    });

    it('is lost with its connection, says so, and is taken again by whichever process asks first', async () => {
      const [first, second] = [lockOf('first'), lockOf('second')];
      try {
        expect(await first.held()).toBe(true);
        await terminateSessions();
        // The other process may take it at once: the session that held it is gone.
        expect(await second.held()).toBe(true);
        expect(await first.held()).toBe(false);
        // The loser hears of it from its connection's end or from its next check, whichever is first.
        expect(events.splice(0).sort()).toEqual(['first lost', 'first took', 'second took']);
        await terminateSessions();
        expect(await first.held()).toBe(true);
        expect(await second.held()).toBe(false);
        expect(events.sort()).toEqual(['first took', 'second lost']);
      } finally {
        await Promise.all([first.release(), second.release()]);
      }
    });

    it('shares one check among overlapping askers, so a process holds at most one session for it', async () => {
      const lock = lockOf('one');
      try {
        expect(await Promise.all([lock.held(), lock.held(), lock.held()])).toEqual([true, true, true]);
        expect(events).toEqual(['one took']);
      } finally {
        await lock.release();
      }
    });

    it('is released when the database it came from closes', async () => {
      const database = await openDatabase({ databaseUrl, dataDir: null, migrate: false });
      const lock = database.sessionLock('capstan:test-lock');
      expect(await lock.held()).toBe(true);
      await database.close();
      const other = lockOf('other');
      expect(await other.held()).toBe(true);
      await other.release();
    });
  });
}
