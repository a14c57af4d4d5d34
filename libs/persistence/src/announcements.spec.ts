import { Client } from 'pg';
import { maxAnnouncementBytes } from './announcements';
import { openDatabase } from './database';
import { openEphemeralDatabase, provisionTestDatabase, testDatabaseKinds } from './ephemeral-database';

const heard = (into: Array<string | null>, count: number) =>
  new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (into.length >= count) {
        clearInterval(check);
        resolve();
      }
    }, 5);
  });

describe.each(testDatabaseKinds())('announcements on %s', (kind) => {
  it('reach every listener of the channel, the announcer included, and only them', async () => {
    const database = await openEphemeralDatabase(kind);
    try {
      const received: Array<string | null> = [];
      const elsewhere: Array<string | null> = [];
      const stop = await database.announcements.listen('capstan_test', (payload) => received.push(payload));
      await database.announcements.listen('capstan_other', (payload) => elsewhere.push(payload));
      await database.announcements.announce('capstan_test', '["eu-1","eu-2"]');
      await heard(received, 1);
      expect(received).toEqual(['["eu-1","eu-2"]']);
      stop();
      await database.announcements.announce('capstan_test', 'after stop');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(received).toHaveLength(1);
      expect(elsewhere).toEqual([]);
      await expect(database.announcements.announce('capstan_test', 'x'.repeat(maxAnnouncementBytes + 1))).rejects.toThrow(/at most 7900 bytes/);
    } finally {
      await database.close();
    }
  });
});

if (process.env['DATABASE_URL']) {
  describe('announcements between hub processes on one PostgreSQL', () => {
    it('reach the other process, and after its listening connection is cut it says it may have missed some and hears again', async () => {
      const provisioned = await provisionTestDatabase('postgres');
      const databaseUrl = provisioned.databaseUrl as string;
      const first = await openDatabase({ databaseUrl, dataDir: null, migrate: true });
      const second = await openDatabase({ databaseUrl, dataDir: null, migrate: false });
      try {
        const received: Array<string | null> = [];
        await second.announcements.listen('capstan_test', (payload) => received.push(payload));
        await first.announcements.announce('capstan_test', 'one');
        await heard(received, 1);
        const admin = new Client({ connectionString: databaseUrl });
        await admin.connect();
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%' AND pid <> pg_backend_pid()`);
        await admin.end();
        await heard(received, 2);
        expect(received).toEqual(['one', null]);
        await first.announcements.announce('capstan_test', 'two');
        await heard(received, 3);
        expect(received).toEqual(['one', null, 'two']);
      } finally {
        await second.close();
        await first.close();
        await provisioned.dispose();
      }
    });
  });
}
