import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase } from './database';

function toClassName(name: string): string {
  return name.replace(/(^|[-_ ])(\w)/g, (_match, _separator, letter: string) => letter.toUpperCase());
}

/**
 * `generate-migration.js NAME`: migrates a throwaway embedded database, asks TypeORM what the
 * entities still need, and writes that as a new timestamped migration to review and register.
 */
export async function main(args: string[]): Promise<void> {
  const name = args[0];
  if (!name || !/^[a-z][a-z0-9-]*$/.test(name)) {
    process.stderr.write('usage: generate-migration.js kebab-case-name\n');
    process.exitCode = 2;
    return;
  }
  const database = await openDatabase({ dataDir: null, migrate: true });
  try {
    const { upQueries, downQueries } = await database.dataSource.driver.createSchemaBuilder().log();
    if (upQueries.length === 0) {
      process.stdout.write('the entities match the migrations: nothing to generate\n');
      return;
    }
    const timestamp = Date.now();
    const className = `${toClassName(name)}${timestamp}`;
    const statements = (queries: Array<{ query: string }>) =>
      queries.map((query) => `    await queryRunner.query(\`${query.query.replace(/\s+\)/g, ')').replace(/ {2,}/g, ' ').trim().replace(/`/g, '\\`')}\`);`).join('\n');
    const file = join(__dirname, 'migrations', `${timestamp}-${name}.ts`);
    writeFileSync(
      file,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';

/** ${name.replace(/-/g, ' ')} */
export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${statements(upQueries)}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${statements([...downQueries].reverse())}
  }
}
`,
    );
    process.stdout.write(`wrote ${file}: review it, then add ${className} to migrations/index.ts\n`);
  } finally {
    await database.close();
  }
}
