import { Injectable } from '@nestjs/common';
import { ApplicationEntity, type ClusterEntity, DesiredStateEntity, type RevisionEntity } from '@capstan/persistence';
import type { DesiredStateCause, HealPolicy, IgnoreRule } from '@capstan/vocabulary';
import { DataSource, type EntityManager } from 'typeorm';
import { groupContainsCluster } from '../groups/group-membership';
import { DesiredStateEvents } from '../rendering/desired-state-events';

/** What one cluster should run of one application now, with the application's policies in force there. */
export interface ApplicationDesiredState {
  application: string;
  revisionId: string;
  commitSha: string;
  bundleDigest: string;
  cause: DesiredStateCause;
  prune: boolean;
  healPolicy: HealPolicy;
  /** The application's ignore rules, then its group's. */
  ignoreRules: IgnoreRule[];
}

/** Where one application stands on one cluster: the revision and bundle set for it. */
export interface Placement {
  clusterName: string;
  revisionId: string;
  bundleDigest: string;
}

/**
 * Writes desired-state records inside a transaction of the caller's (with its revision and audit
 * entry), and the `desired.changed` event of every cluster whose record changed; collects those
 * clusters so they are announced once the transaction commits.
 */
export class DesiredStateWriter {
  readonly changedClusters = new Set<string>();
  private readonly committedListeners: Array<() => void> = [];

  constructor(
    readonly manager: EntityManager,
    private readonly actor: string,
  ) {}

  /**
   * Sets what these clusters (name → bundle digest) should run of the application: `revision`.
   * Records that already say so are left alone. Returns the clusters whose record changed.
   */
  async assign(application: ApplicationEntity, revision: RevisionEntity, digests: Record<string, string>, cause: DesiredStateCause): Promise<string[]> {
    const names = Object.keys(digests);
    if (names.length === 0) return [];
    const rows: Array<{ name: string }> = await this.manager.query(
      `WITH target AS (
         SELECT cluster.id, cluster.name, placed.digest FROM unnest($1::text[], $2::text[]) AS placed(name, digest) JOIN clusters cluster ON cluster.name = placed.name
       ), written AS (
         INSERT INTO desired_states (cluster_id, application_id, revision_id, bundle_digest, cause, set_by, updated_at)
         SELECT target.id, $3, $4, target.digest, $5, $6, now() FROM target
         ON CONFLICT (cluster_id, application_id) DO UPDATE SET revision_id = EXCLUDED.revision_id, bundle_digest = EXCLUDED.bundle_digest, cause = EXCLUDED.cause, set_by = EXCLUDED.set_by, updated_at = now()
           WHERE desired_states.revision_id <> EXCLUDED.revision_id OR desired_states.bundle_digest <> EXCLUDED.bundle_digest
         RETURNING cluster_id, bundle_digest
       ), recorded AS (
         INSERT INTO fleet_events (occurred_at, type, cluster_id, application_id, subject, details)
         SELECT now(), 'desired.changed', written.cluster_id, $3, '', jsonb_build_object('revision', $4::text, 'commit', $7::text, 'digest', written.bundle_digest, 'cause', $5::text, 'by', $6::text) FROM written
       )
       SELECT target.name FROM target JOIN written ON written.cluster_id = target.id`,
      [names, names.map((name) => digests[name]), application.id, revision.id, cause, this.actor, revision.commitSha],
    );
    return this.changed(rows);
  }

  /** The application leaves these clusters: their records go, and what their agents reported of it is history, not status. */
  async withdraw(application: ApplicationEntity, clusterNames: readonly string[]): Promise<string[]> {
    if (clusterNames.length === 0) return [];
    const rows: Array<{ name: string }> = await this.manager.query(
      `WITH removed AS (
         DELETE FROM desired_states AS desired USING clusters AS cluster
         WHERE desired.cluster_id = cluster.id AND desired.application_id = $1 AND cluster.name = ANY($2::text[])
         RETURNING cluster.id, cluster.name
       ), recorded AS (
         INSERT INTO fleet_events (occurred_at, type, cluster_id, application_id, subject, details)
         SELECT now(), 'desired.changed', removed.id, $1, '', jsonb_build_object('withdrawn', true, 'by', $3::text) FROM removed
       )
       SELECT name FROM removed`,
      [application.id, clusterNames, this.actor],
    );
    for (const table of ['cluster_application_statuses', 'resource_statuses']) {
      await this.manager.query(`DELETE FROM ${table} AS status USING clusters AS cluster WHERE status.cluster_id = cluster.id AND status.application_id = $1 AND cluster.name = ANY($2::text[])`, [
        application.id,
        clusterNames,
      ]);
    }
    return this.changed(rows);
  }

  /** Runs `listener` once the transaction has committed (not at all if it rolls back). */
  afterCommit(listener: () => void): void {
    this.committedListeners.push(listener);
  }

  /** Called by the transaction's owner once it committed. */
  committed(): void {
    for (const listener of this.committedListeners) listener();
  }

  private changed(rows: Array<{ name: string }>): string[] {
    for (const { name } of rows) this.changedClusters.add(name);
    return rows.map(({ name }) => name);
  }
}

/**
 * The one place that writes what each cluster should run of each application (`desired_states`),
 * and announces the change to whichever hub replica holds the cluster's agent; the gateway reads
 * it from here and pushes it.
 */
@Injectable()
export class DesiredStatesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: DesiredStateEvents,
  ) {}

  /** Runs `work` in a transaction; the clusters whose desired state it changed are announced once it commits. */
  async change<T>(actor: string, work: (writer: DesiredStateWriter) => Promise<T>): Promise<T> {
    let writer: DesiredStateWriter | undefined;
    const result = await this.dataSource.transaction((manager) => work((writer = new DesiredStateWriter(manager, actor))));
    if (writer?.changedClusters.size) this.events.changed([...writer.changedClusters]);
    writer?.committed();
    return result;
  }

  /** Where an application is set to run: one entry per cluster. */
  async placements(applicationId: string, manager: EntityManager = this.dataSource.manager): Promise<Map<string, Placement>> {
    const rows: Array<{ cluster_name: string; revision_id: string; bundle_digest: string }> = await manager.query(
      `SELECT cluster.name AS cluster_name, desired.revision_id, desired.bundle_digest FROM desired_states desired JOIN clusters cluster ON cluster.id = desired.cluster_id WHERE desired.application_id = $1`,
      [applicationId],
    );
    return new Map(rows.map((row) => [row.cluster_name, { clusterName: row.cluster_name, revisionId: row.revision_id, bundleDigest: row.bundle_digest }]));
  }

  /** Everything the cluster should run now, by application name, with each application's policies in force there. */
  async forCluster(cluster: ClusterEntity): Promise<ApplicationDesiredState[]> {
    const applications = await this.dataSource
      .getRepository(ApplicationEntity)
      .createQueryBuilder('app')
      .innerJoinAndMapOne('app.desiredState', DesiredStateEntity, 'desired', 'desired.application_id = app.id AND desired.cluster_id = :cluster', { cluster: cluster.id })
      .innerJoinAndSelect('desired.revision', 'revision')
      .leftJoinAndSelect('app.targets', 'target')
      .leftJoinAndSelect('target.group', 'grp')
      .orderBy('app.name')
      .getMany();
    return applications.map((application) => {
      const desired = (application as ApplicationEntity & { desiredState: DesiredStateEntity }).desiredState;
      // A group may override its applications' heal policy.
      const group = application.targets?.find((target) => target.group && groupContainsCluster(target.group, cluster))?.group;
      return {
        application: application.name,
        revisionId: desired.revisionId,
        commitSha: desired.revision?.commitSha ?? '',
        bundleDigest: desired.bundleDigest,
        cause: desired.cause,
        prune: application.prune,
        healPolicy: group?.healPolicy ?? application.healPolicy,
        ignoreRules: [...(application.ignoreRules ?? []), ...(group?.ignoreRules ?? [])],
      };
    });
  }

  /** The cluster's records, by application name. */
  async records(clusterId: string): Promise<Array<{ application: string; revision: string; commitSha: string; bundleDigest: string; cause: DesiredStateCause; setBy: string; updatedAt: Date }>> {
    const rows = await this.dataSource.getRepository(DesiredStateEntity).find({ where: { clusterId }, relations: { application: true, revision: true } });
    return rows
      .map((row) => ({ application: row.application?.name ?? '', revision: row.revisionId, commitSha: row.revision?.commitSha ?? '', bundleDigest: row.bundleDigest, cause: row.cause, setBy: row.setBy, updatedAt: row.updatedAt }))
      .sort((a, b) => a.application.localeCompare(b.application));
  }

  /** The application's policies or ignore rules changed: they travel with the desired state, so every cluster set to run it hears again. */
  async policiesChanged(applicationId: string): Promise<void> {
    this.events.changed([...(await this.placements(applicationId)).keys()]);
  }

  /** Whether `digest` is a bundle the cluster should run: agents may fetch only those. */
  bundleAssigned(cluster: ClusterEntity, digest: string): Promise<boolean> {
    return this.dataSource.getRepository(DesiredStateEntity).existsBy({ clusterId: cluster.id, bundleDigest: digest });
  }
}
