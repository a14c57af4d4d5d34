import { ApplicationEntity, ClusterApplicationStatusEntity, ClusterEntity, type Database, openEphemeralDatabase, ResourceStatusEntity, SourceEntity, testDatabaseKinds } from '@capstan/persistence';
import { type ApplicationStatusRow, BatchWriter, BatchWriterClosedError, type ResourceStatusRow, StatusWriter } from './status-writer';

/** A promise with its resolve function, to hold a batch in flight. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = () => undefined as void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('BatchWriter', () => {
  it('writes rows queued together as one batch, in the order they came', async () => {
    const batches: string[][] = [];
    const writer = new BatchWriter<string>(async (rows) => void batches.push(rows), { maxDelayMs: 5, maxBatchWeight: 100 });
    await Promise.all(['a', 'b', 'c'].map((row) => writer.write(row, row)));
    expect(batches).toEqual([['a', 'b', 'c']]);
  });

  it('lets a later row for a queued key supersede the earlier one, and resolves both writers', async () => {
    const batches: string[][] = [];
    const writer = new BatchWriter<string>(async (rows) => void batches.push(rows), { maxDelayMs: 5, maxBatchWeight: 100 });
    await Promise.all([writer.write('eu-1|shop', 'first'), writer.write('eu-2|shop', 'other'), writer.write('eu-1|shop', 'second')]);
    expect(batches).toEqual([['second', 'other']]);
  });

  it('writes a full batch at once and splits what does not fit', async () => {
    const batches: string[][] = [];
    const writer = new BatchWriter<string>(async (rows) => void batches.push(rows), { maxDelayMs: 60_000, maxBatchWeight: 4 });
    await Promise.all([writer.write('a', 'a', 2), writer.write('b', 'b', 2), writer.write('c', 'c', 3)]);
    expect(batches).toEqual([['a', 'b'], ['c']]);
  });

  it('queues what comes while a batch is written and writes it next', async () => {
    const batches: string[][] = [];
    const gate = deferred();
    const writer = new BatchWriter<string>(
      async (rows) => {
        batches.push(rows);
        if (batches.length === 1) await gate.promise;
      },
      { maxDelayMs: 1, maxBatchWeight: 100 },
    );
    const first = writer.write('a', 'a1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const later = [writer.write('a', 'a2'), writer.write('b', 'b1')];
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(batches).toEqual([['a1']]);
    gate.resolve();
    await Promise.all([first, ...later]);
    expect(batches).toEqual([['a1'], ['a2', 'b1']]);
  });

  it("rejects a failed batch's writers and goes on writing the next batch", async () => {
    let calls = 0;
    const writer = new BatchWriter<string>(
      async () => {
        if (++calls === 1) throw new Error('connection reset');
      },
      { maxDelayMs: 1, maxBatchWeight: 100 },
    );
    await expect(Promise.all([writer.write('a', 'a'), writer.write('b', 'b')])).rejects.toThrow('connection reset');
    await expect(writer.write('c', 'c')).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });

  it('writes what is queued when closed, and refuses writes after', async () => {
    const written: string[] = [];
    const writer = new BatchWriter<string>(async (rows) => void written.push(...rows), { maxDelayMs: 60_000, maxBatchWeight: 100 });
    const pending = writer.write('a', 'a');
    await writer.close();
    await pending;
    expect(written).toEqual(['a']);
    await expect(writer.write('b', 'b')).rejects.toBeInstanceOf(BatchWriterClosedError);
  });
});

describe.each(testDatabaseKinds())('StatusWriter on %s', (kind) => {
  let database: Database;
  let writer: StatusWriter;
  let clusterIds: string[];

  const resource = (name: string, overrides: Partial<ResourceStatusRow> = {}): ResourceStatusRow => ({
    group: 'apps',
    kind: 'Deployment',
    namespace: 'shop',
    name,
    syncState: 'Synced',
    healthStatus: 'Healthy',
    healthMessage: '',
    ...overrides,
  });
  const status = (clusterId: string, overrides: Partial<ApplicationStatusRow> = {}): ApplicationStatusRow => ({
    clusterId,
    application: 'shop',
    revisionId: null,
    bundleDigest: `sha256:${'0'.repeat(64)}`,
    syncState: 'Synced',
    error: null,
    watchError: null,
    healthStatus: 'Healthy',
    healthMessage: '',
    changeSet: [{ subject: 'Deployment/shop/web', action: 'created', message: '' }],
    reportedAt: new Date(),
    resources: [resource('web'), resource('worker')],
    ...overrides,
  });
  const resourcesOf = (clusterId: string) => database.dataSource.getRepository(ResourceStatusEntity).find({ where: { clusterId }, order: { name: 'ASC' } });

  beforeAll(async () => {
    database = await openEphemeralDatabase(kind);
    const source = await database.dataSource.getRepository(SourceEntity).save({ name: 'fleet', url: 'file:///fleet' });
    await database.dataSource.getRepository(ApplicationEntity).save({ name: 'shop', sourceId: source.id, basePath: 'apps/shop' });
    const clusters = await database.dataSource.getRepository(ClusterEntity).save([{ name: 'eu-1' }, { name: 'eu-2' }, { name: 'us-1' }]);
    clusterIds = clusters.map((cluster) => cluster.id);
  });
  beforeEach(() => {
    writer = new StatusWriter(database.dataSource, { statuses: { maxDelayMs: 2, maxBatchWeight: 1_000 }, seen: { maxDelayMs: 2, maxBatchWeight: 1_000 } });
  });
  afterEach(() => writer.close());
  afterAll(() => database.close());

  it('writes the statuses of several clusters with one row per object', async () => {
    await Promise.all(clusterIds.map((clusterId) => writer.writeStatus(status(clusterId))));
    expect(await database.dataSource.getRepository(ClusterApplicationStatusEntity).countBy({})).toBe(3);
    for (const clusterId of clusterIds) expect((await resourcesOf(clusterId)).map((row) => row.name)).toEqual(['web', 'worker']);
  });

  it('updates objects in place and removes those no longer reported', async () => {
    const [clusterId] = clusterIds;
    await writer.writeStatus(status(clusterId));
    await writer.writeStatus(
      status(clusterId, { syncState: 'Failed', error: 'Deployment/shop/web: invalid', resources: [resource('web', { syncState: 'Failed', healthStatus: 'Degraded', healthMessage: 'no replicas' })] }),
    );
    expect(await resourcesOf(clusterId)).toEqual([expect.objectContaining({ name: 'web', syncState: 'Failed', healthStatus: 'Degraded', healthMessage: 'no replicas' })]);
    const application = await database.dataSource.getRepository(ClusterApplicationStatusEntity).findOneByOrFail({ clusterId });
    expect(application).toMatchObject({ syncState: 'Failed', error: 'Deployment/shop/web: invalid' });
  });

  it('keeps the last of two reports for the same application that meet in one batch', async () => {
    const [, clusterId] = clusterIds;
    await Promise.all([writer.writeStatus(status(clusterId, { resources: [resource('old')] })), writer.writeStatus(status(clusterId, { bundleDigest: `sha256:${'1'.repeat(64)}`, resources: [resource('new')] }))]);
    expect((await resourcesOf(clusterId)).map((row) => row.name)).toEqual(['new']);
    expect(await database.dataSource.getRepository(ClusterApplicationStatusEntity).findOneByOrFail({ clusterId })).toMatchObject({ bundleDigest: `sha256:${'1'.repeat(64)}` });
  });

  it('ignores reports of applications the hub does not know, and writes the rest of their batch', async () => {
    const [, , clusterId] = clusterIds;
    await Promise.all([writer.writeStatus(status(clusterId, { application: 'unknown', resources: [resource('ghost')] })), writer.writeStatus(status(clusterId, { resources: [resource('web')] }))]);
    expect((await resourcesOf(clusterId)).map((row) => row.name)).toEqual(['web']);
  });

  it('moves last_seen_at forward for many clusters at once, never back', async () => {
    const now = new Date();
    await Promise.all(clusterIds.map((clusterId) => writer.writeSeen(clusterId, now)));
    await writer.writeSeen(clusterIds[0], new Date(now.getTime() - 60_000));
    const clusters = await database.dataSource.getRepository(ClusterEntity).find();
    for (const cluster of clusters) expect(cluster.lastSeenAt?.getTime()).toBe(now.getTime());
  });
});
