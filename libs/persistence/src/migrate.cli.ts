import { resolve } from 'node:path';
import { openDatabase } from './database';

/** `migrate.js up|revert`: applies pending migrations or reverts the last one, on DATABASE_URL or the embedded database. */
export async function main(args: string[]): Promise<void> {
  const direction = args[0];
  if (direction !== 'up' && direction !== 'revert') {
    process.stderr.write('usage: migrate.js up|revert\n');
    process.exitCode = 2;
    return;
  }
  const databaseUrl = process.env['DATABASE_URL'] || undefined;
  const dataDir = resolve(process.env['CAPSTAN_DATA_DIR'] || '.capstan/data');
  const database = await openDatabase({ databaseUrl, dataDir, migrate: false });
  try {
    if (direction === 'up') {
      const applied = await database.dataSource.runMigrations();
      process.stdout.write(applied.length ? applied.map((migration) => `applied ${migration.name}\n`).join('') : 'no pending migrations\n');
    } else {
      await database.dataSource.undoLastMigration();
      process.stdout.write('reverted the last migration\n');
    }
  } finally {
    await database.close();
  }
}
