import type { DataSource } from 'typeorm';
import { type Announcements, inProcessAnnouncements, postgresAnnouncements } from './announcements';
import { createDataSource } from './data-source';
import { startEmbeddedPostgres } from './embedded-postgres';
import { inProcessSessionLock, postgresSessionLock, type SessionLock, type SessionLockEvents } from './session-lock';

export interface DatabaseOptions {
  /** PostgreSQL to use; without it an embedded PGlite in `dataDir` is started. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files; null keeps it in memory. */
  dataDir: string | null;
  /** Apply pending migrations after connecting. */
  migrate: boolean;
}

/** An open database: the TypeORM data source and whether it is the embedded one. */
export interface Database {
  readonly dataSource: DataSource;
  readonly embedded: boolean;
  /** Between the hub processes sharing this database: LISTEN/NOTIFY, or in-process when embedded. */
  readonly announcements: Announcements;
  /** A lock for singleton work between those processes, named `name`; released when the database closes. */
  sessionLock(name: string, events?: SessionLockEvents): SessionLock;
  close(): Promise<void>;
}

/** Runs pending migrations while holding an advisory lock, so hub replicas starting together migrate once. */
async function migrateUnderLock(dataSource: DataSource): Promise<void> {
  const lockRunner = dataSource.createQueryRunner();
  await lockRunner.connect();
  try {
    await lockRunner.query(`SELECT pg_advisory_lock(hashtext('capstan:migrations'))`);
    await dataSource.runMigrations();
  } finally {
    await lockRunner.query(`SELECT pg_advisory_unlock(hashtext('capstan:migrations'))`).catch(() => undefined);
    await lockRunner.release();
  }
}

/** Connects to PostgreSQL (or starts the embedded one) and optionally migrates it. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const embedded = options.databaseUrl ? null : await startEmbeddedPostgres(options.dataDir);
  const url = options.databaseUrl ?? embedded?.url ?? '';
  const dataSource = createDataSource({ url, poolSize: embedded ? 1 : 10 });
  try {
    await dataSource.initialize();
    if (options.migrate) await (embedded ? dataSource.runMigrations() : migrateUnderLock(dataSource));
  } catch (error) {
    if (dataSource.isInitialized) await dataSource.destroy();
    await embedded?.stop();
    throw error;
  }
  const announcements = embedded ? inProcessAnnouncements() : postgresAnnouncements(url, dataSource);
  const locks: SessionLock[] = [];
  return {
    dataSource,
    embedded: embedded !== null,
    announcements,
    sessionLock(name, events) {
      const lock = embedded ? inProcessSessionLock() : postgresSessionLock(url, name, events);
      locks.push(lock);
      return lock;
    },
    async close() {
      await Promise.all(locks.map((lock) => lock.release()));
      await announcements.close();
      if (dataSource.isInitialized) await dataSource.destroy();
      await embedded?.stop();
    },
  };
}
