import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { matchesLabelSelector, parseLabelSelector } from '@capstan/manifest';
import type { DataSource } from 'typeorm';
import { openDatabase } from './database';
import { refusedData, violatedUniqueConstraint } from './database-errors';
import { ClusterEntity, ClusterGroupEntity } from './entities';
import { type DatabaseKind, openEphemeralDatabase, testDatabaseKinds } from './ephemeral-database';
import { labelSelectorCondition } from './label-selector.sql';

const fleet: Array<[string, Record<string, string>]> = [
  ['prod-eu-1', { env: 'prod', region: 'eu', tier: 'edge', nodes: '12' }],
  ['prod-eu-2', { env: 'prod', region: 'eu', nodes: '3' }],
  ['prod-us-1', { env: 'prod', region: 'us', canary: 'true', nodes: 'many' }],
  ['staging-eu', { env: 'staging', region: 'eu' }],
  ['dev', {}],
];

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ table_name: string }> = await dataSource.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`,
  );
  return rows.map((row) => row.table_name);
}

describe.each(testDatabaseKinds())('persistence on %s', (kind: DatabaseKind) => {
  it('migrates an empty database up to a schema that matches the entities, and back down', async () => {
    const database = await openEphemeralDatabase(kind, { migrate: false });
    try {
      const { dataSource } = database;
      expect(await dataSource.showMigrations()).toBe(true);
      await dataSource.runMigrations();
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await tableNames(dataSource)).toEqual(
        expect.arrayContaining(['api_tokens', 'application_targets', 'applications', 'audit_entries', 'cluster_groups', 'clusters', 'revisions', 'sources']),
      );
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);

      while ((await dataSource.query(`SELECT count(*)::int AS n FROM schema_migrations`))[0].n > 0) await dataSource.undoLastMigration();
      expect(await tableNames(dataSource)).toEqual(['schema_migrations']);
    } finally {
      await database.close();
    }
  });

  describe('with a fleet of labelled clusters', () => {
    let database: Awaited<ReturnType<typeof openEphemeralDatabase>>;
    beforeAll(async () => {
      database = await openEphemeralDatabase(kind);
      await database.dataSource.getRepository(ClusterEntity).insert(fleet.map(([name, labels]) => ({ name, labels })));
    });
    afterAll(() => database.close());

    it.each([
      'env=prod',
      'env!=prod',
      'region in (eu,us),env=prod',
      'region notin (eu)',
      'canary',
      '!canary',
      'env=prod,!tier',
      'nodes>4',
      'nodes<4',
      '',
    ])('selects the same clusters with %j as the selector itself does', async (text) => {
      const selector = parseLabelSelector(text);
      const condition = labelSelectorCondition('cluster.labels', selector);
      const selected = await database.dataSource
        .getRepository(ClusterEntity)
        .createQueryBuilder('cluster')
        .where(condition.sql, condition.parameters)
        .orderBy('cluster.name')
        .getMany();
      const expected = fleet.filter(([, labels]) => matchesLabelSelector(selector, labels)).map(([name]) => name).sort();
      expect(selected.map((cluster) => cluster.name)).toEqual(expected);
    });

    it('answers equality selectors from the GIN index on labels', async () => {
      await database.dataSource.query('SET enable_seqscan = off');
      try {
        const condition = labelSelectorCondition('labels', parseLabelSelector('env=prod'));
        const [query, parameters] = database.dataSource.driver.escapeQueryWithParameters(
          `EXPLAIN SELECT name FROM clusters WHERE ${condition.sql}`,
          condition.parameters,
        );
        const plan: Array<{ 'QUERY PLAN': string }> = await database.dataSource.query(query, parameters);
        expect(plan.map((row) => row['QUERY PLAN']).join('\n')).toContain('ix_clusters_labels');
      } finally {
        await database.dataSource.query('RESET enable_seqscan');
      }
    });

    it('refuses a second cluster with the same name, naming the constraint', async () => {
      const error = await database.dataSource.getRepository(ClusterEntity).insert({ name: 'prod-eu-1', labels: {} }).catch((caught: unknown) => caught);
      expect(violatedUniqueConstraint(error)).toMatch(/^UQ_/);
    });

    it('tells data PostgreSQL refuses from a failure that may pass on a retry', async () => {
      const nul = await database.dataSource.query(`SELECT $1::jsonb`, ['{"live": "a\\u0000b"}']).catch((caught: unknown) => caught);
      expect(refusedData(nul)).toBe(true);
      const duplicate = await database.dataSource.getRepository(ClusterEntity).insert({ name: 'prod-eu-1', labels: {} }).catch((caught: unknown) => caught);
      expect(refusedData(duplicate)).toBe(true);
      const missingTable = await database.dataSource.query('SELECT * FROM no_such_table').catch((caught: unknown) => caught);
      expect(refusedData(missingTable)).toBe(false);
      expect(refusedData(new Error('connection terminated'))).toBe(false);
    });

    it('refuses a heal policy the domain does not know', async () => {
      await expect(
        database.dataSource.getRepository(ClusterGroupEntity).insert({ name: 'bad', healPolicy: 'sometimes' as never }),
      ).rejects.toThrow(/ck_cluster_groups_heal_policy/);
    });
  });
});

describe('embedded database', () => {
  it('keeps its data in the data directory across restarts', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'capstan-data-'));
    try {
      const first = await openDatabase({ dataDir, migrate: true });
      await first.dataSource.getRepository(ClusterEntity).insert({ name: 'survivor', labels: { env: 'prod' } });
      await first.close();

      const second = await openDatabase({ dataDir, migrate: true });
      try {
        const cluster = await second.dataSource.getRepository(ClusterEntity).findOneByOrFail({ name: 'survivor' });
        expect(cluster.labels).toEqual({ env: 'prod' });
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
