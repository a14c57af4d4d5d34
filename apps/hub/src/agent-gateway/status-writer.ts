import type { DataSource } from 'typeorm';

/** How a batch writer groups its writes. */
export interface BatchWriterOptions {
  /** The longest a write waits for others to join its batch, in milliseconds. */
  maxDelayMs: number;
  /** A batch this heavy (see `write`) is written at once, without waiting. */
  maxBatchWeight: number;
}

export function defaultBatchWriterOptions(): BatchWriterOptions {
  return { maxDelayMs: 5, maxBatchWeight: 20_000 };
}

interface Queued<Row> {
  row: Row;
  weight: number;
  callers: Array<{ resolve: () => void; reject: (error: Error) => void }>;
}

/** Thrown to writers once the batch writer has been closed. */
export class BatchWriterClosedError extends Error {
  constructor() {
    super('the status writer is closed: the hub is shutting down');
  }
}

/**
 * Queues rows by key and writes them together, one batch at a time, so that a fleet's reports
 * cost a few statements instead of one each. A later row for a key that is still queued
 * supersedes the earlier one. Each `write` resolves once a batch holding its row (or a later one
 * for the same key) is written, and rejects when that batch fails; the next batch is tried all the same.
 */
export class BatchWriter<Row> {
  private queue = new Map<string, Queued<Row>>();
  private queuedWeight = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly writeBatch: (rows: Row[]) => Promise<void>,
    private readonly options: BatchWriterOptions = defaultBatchWriterOptions(),
  ) {}

  /** Queues `row` under `key`; `weight` (e.g. the database rows it becomes) counts towards filling the batch. */
  write(key: string, row: Row, weight = 1): Promise<void> {
    if (this.closed) return Promise.reject(new BatchWriterClosedError());
    return new Promise<void>((resolve, reject) => {
      const queued = this.queue.get(key);
      if (queued) {
        this.queuedWeight += weight - queued.weight;
        queued.row = row;
        queued.weight = weight;
        queued.callers.push({ resolve, reject });
      } else {
        this.queuedWeight += weight;
        this.queue.set(key, { row, weight, callers: [{ resolve, reject }] });
      }
      if (this.queuedWeight >= this.options.maxBatchWeight) this.flushSoon(0);
      else this.flushSoon(this.options.maxDelayMs);
    });
  }

  /** Writes everything queued, then refuses further writes. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.writing || this.queue.size > 0) {
      if (!this.writing) this.startBatch();
      await this.writing;
    }
  }

  private flushSoon(delayMs: number): void {
    // While a batch is being written the queue fills up; it is written as soon as that one is done.
    if (this.writing) return;
    if (delayMs === 0) {
      this.startBatch();
      return;
    }
    this.timer ??= setTimeout(() => this.startBatch(), delayMs);
  }

  private startBatch(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.writing || this.queue.size === 0) return;
    const batch = this.takeBatch();
    this.writing = this.writeBatch(batch.map((queued) => queued.row)).then(
      () => {
        for (const queued of batch) for (const caller of queued.callers) caller.resolve();
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const queued of batch) for (const caller of queued.callers) caller.reject(failure);
      },
    );
    void this.writing.then(() => {
      this.writing = null;
      if (this.queue.size > 0 && !this.closed) this.startBatch();
    });
  }

  /** The oldest queued rows, up to one batch's weight (at least one row). */
  private takeBatch(): Array<Queued<Row>> {
    const batch: Array<Queued<Row>> = [];
    let weight = 0;
    for (const [key, queued] of this.queue) {
      if (batch.length > 0 && weight + queued.weight > this.options.maxBatchWeight) break;
      batch.push(queued);
      weight += queued.weight;
      this.queue.delete(key);
    }
    this.queuedWeight -= weight;
    return batch;
  }
}

/** What an agent last reported for one of its cluster's objects. */
export interface ResourceStatusRow {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  syncState: string;
  healthStatus: string;
  healthMessage: string;
}

/** What an agent last reported for one application, with one row per object of it. */
export interface ApplicationStatusRow {
  clusterId: string;
  application: string;
  revisionId: string | null;
  bundleDigest: string;
  syncState: string;
  error: string | null;
  /** Why the agent cannot watch some of the application's objects; null while every watch runs. */
  watchError: string | null;
  healthStatus: string;
  healthMessage: string;
  changeSet: unknown[];
  reportedAt: Date;
  resources: ResourceStatusRow[];
}

/**
 * Upserts the application statuses and their objects' statuses in one statement over unnest
 * arrays (a fixed number of parameters however large the batch). Application names are resolved
 * in SQL; reports of applications or clusters that no longer exist are dropped. An application's
 * `reported_at` only ever moves forward, and its objects take the same value: that is how the
 * next statement tells the objects a report no longer lists.
 */
const upsertStatusesSql = `
WITH reported AS (
  INSERT INTO cluster_application_statuses AS current (cluster_id, application_id, revision_id, bundle_digest, sync_state, error, health_status, health_message, change_set, reported_at, watch_error)
  SELECT r.cluster_id, a.id, r.revision_id, r.bundle_digest, r.sync_state, r.error, r.health_status, r.health_message, r.change_set, r.reported_at, r.watch_error
  FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::timestamptz[], $19::text[])
    AS r(cluster_id, application, revision_id, bundle_digest, sync_state, error, health_status, health_message, change_set, reported_at, watch_error)
  JOIN applications a ON a.name = r.application
  JOIN clusters c ON c.id = r.cluster_id
  ON CONFLICT (cluster_id, application_id) DO UPDATE SET
    revision_id = EXCLUDED.revision_id, bundle_digest = EXCLUDED.bundle_digest, sync_state = EXCLUDED.sync_state, error = EXCLUDED.error,
    health_status = EXCLUDED.health_status, health_message = EXCLUDED.health_message, change_set = EXCLUDED.change_set, watch_error = EXCLUDED.watch_error,
    reported_at = GREATEST(EXCLUDED.reported_at, current.reported_at + interval '1 microsecond')
  RETURNING current.cluster_id, current.application_id, current.reported_at
)
INSERT INTO resource_statuses (cluster_id, application_id, "group", kind, namespace, name, sync_state, health_status, health_message, reported_at)
SELECT r.cluster_id, r.application_id, o."group", o.kind, o.namespace, o.name, o.sync_state, o.health_status, o.health_message, r.reported_at
FROM unnest($11::int[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[])
  AS o(report, "group", kind, namespace, name, sync_state, health_status, health_message)
JOIN unnest($1::uuid[], $2::text[]) WITH ORDINALITY AS b(cluster_id, application, report) ON b.report = o.report
JOIN applications a ON a.name = b.application
JOIN reported r ON r.cluster_id = b.cluster_id AND r.application_id = a.id
ON CONFLICT (cluster_id, application_id, "group", kind, namespace, name) DO UPDATE SET
  sync_state = EXCLUDED.sync_state, health_status = EXCLUDED.health_status, health_message = EXCLUDED.health_message, reported_at = EXCLUDED.reported_at`;

/** Removes the objects the batch's reports no longer list: those older than their application's last report. */
const removeUnlistedObjectsSql = `
DELETE FROM resource_statuses s
USING cluster_application_statuses c
JOIN applications a ON a.id = c.application_id
JOIN unnest($1::uuid[], $2::text[]) AS r(cluster_id, application) ON r.cluster_id = c.cluster_id AND r.application = a.name
WHERE s.cluster_id = c.cluster_id AND s.application_id = c.application_id AND s.reported_at < c.reported_at`;

/** Writes a batch of application statuses (superseded ones already left out) with their objects' statuses. */
export async function writeApplicationStatuses(dataSource: DataSource, rows: readonly ApplicationStatusRow[]): Promise<void> {
  const reports = { clusterIds: [] as string[], applications: [] as string[], revisionIds: [] as Array<string | null>, bundleDigests: [] as string[], syncStates: [] as string[] };
  const errors: Array<string | null> = [];
  const watchErrors: Array<string | null> = [];
  const healthStatuses: string[] = [];
  const healthMessages: string[] = [];
  const changeSets: string[] = [];
  const reportedAts: string[] = [];
  const objects = { reports: [] as number[], groups: [] as string[], kinds: [] as string[], namespaces: [] as string[], names: [] as string[], syncStates: [] as string[], healthStatuses: [] as string[], healthMessages: [] as string[] };
  rows.forEach((row, index) => {
    reports.clusterIds.push(row.clusterId);
    reports.applications.push(row.application);
    reports.revisionIds.push(row.revisionId);
    reports.bundleDigests.push(row.bundleDigest);
    reports.syncStates.push(row.syncState);
    errors.push(row.error);
    watchErrors.push(row.watchError);
    healthStatuses.push(row.healthStatus);
    healthMessages.push(row.healthMessage);
    changeSets.push(JSON.stringify(row.changeSet));
    reportedAts.push(row.reportedAt.toISOString());
    for (const resource of row.resources) {
      // WITH ORDINALITY counts from 1.
      objects.reports.push(index + 1);
      objects.groups.push(resource.group);
      objects.kinds.push(resource.kind);
      objects.namespaces.push(resource.namespace);
      objects.names.push(resource.name);
      objects.syncStates.push(resource.syncState);
      objects.healthStatuses.push(resource.healthStatus);
      objects.healthMessages.push(resource.healthMessage);
    }
  });
  const parameters = [
    reports.clusterIds,
    reports.applications,
    reports.revisionIds,
    reports.bundleDigests,
    reports.syncStates,
    errors,
    healthStatuses,
    healthMessages,
    changeSets,
    reportedAts,
    objects.reports,
    objects.groups,
    objects.kinds,
    objects.namespaces,
    objects.names,
    objects.syncStates,
    objects.healthStatuses,
    objects.healthMessages,
    watchErrors,
  ];
  await dataSource.transaction(async (manager) => {
    await manager.query(upsertStatusesSql, parameters);
    await manager.query(removeUnlistedObjectsSql, [reports.clusterIds, reports.applications]);
  });
}

/** When each cluster's agent was last heard from. */
export interface ClusterSeenRow {
  clusterId: string;
  seenAt: Date;
}

/** Moves `last_seen_at` forward for a batch of clusters in one statement; never back. */
export async function writeClustersSeen(dataSource: DataSource, rows: readonly ClusterSeenRow[]): Promise<void> {
  await dataSource.query(
    `UPDATE clusters c SET last_seen_at = s.seen_at
     FROM unnest($1::uuid[], $2::timestamptz[]) AS s(id, seen_at)
     WHERE c.id = s.id AND (c.last_seen_at IS NULL OR c.last_seen_at < s.seen_at)`,
    [rows.map((row) => row.clusterId), rows.map((row) => row.seenAt.toISOString())],
  );
}

/** The hub's batched writers of what agents report: application and object statuses, and when each agent was last heard from. */
export class StatusWriter {
  private readonly statuses: BatchWriter<ApplicationStatusRow>;
  private readonly seen: BatchWriter<ClusterSeenRow>;

  constructor(dataSource: DataSource, options: { statuses?: BatchWriterOptions; seen?: BatchWriterOptions } = {}) {
    this.statuses = new BatchWriter((rows) => writeApplicationStatuses(dataSource, rows), options.statuses ?? defaultBatchWriterOptions());
    // Liveness is judged over tens of seconds: a longer wait buys much larger batches.
    this.seen = new BatchWriter((rows) => writeClustersSeen(dataSource, rows), options.seen ?? { maxDelayMs: 100, maxBatchWeight: 20_000 });
  }

  /** Resolves once the status (or a later one of the same application on the same cluster) is written. */
  writeStatus(row: ApplicationStatusRow): Promise<void> {
    return this.statuses.write(`${row.clusterId}|${row.application}`, row, 1 + row.resources.length);
  }

  /** Resolves once the cluster's `last_seen_at` is at least `seenAt`. */
  writeSeen(clusterId: string, seenAt: Date): Promise<void> {
    return this.seen.write(clusterId, { clusterId, seenAt });
  }

  /** Writes everything queued; later writes are refused. */
  async close(): Promise<void> {
    await Promise.all([this.statuses.close(), this.seen.close()]);
  }
}
