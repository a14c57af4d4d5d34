import { Injectable } from '@nestjs/common';
import { formatIdentity } from '@capstan/manifest';
import { ApplicationEntity, ClusterApplicationStatusEntity, type ClusterEntity, type SyncStateName } from '@capstan/persistence';
import { ChangeAction, HealthStatus, type StatusReport, SyncState } from '@capstan/proto';
import { DataSource } from 'typeorm';

const syncStateNames: Partial<Record<SyncState, SyncStateName>> = { [SyncState.SYNCED]: 'Synced', [SyncState.OUT_OF_SYNC]: 'OutOfSync', [SyncState.FAILED]: 'Failed' };
const actionNames: Partial<Record<ChangeAction, string>> = {
  [ChangeAction.CREATED]: 'created',
  [ChangeAction.CONFIGURED]: 'configured',
  [ChangeAction.UNCHANGED]: 'unchanged',
  [ChangeAction.DELETED]: 'deleted',
  [ChangeAction.SKIPPED]: 'skipped',
  [ChangeAction.FAILED]: 'failed',
};
const healthNames: Partial<Record<HealthStatus, string>> = {
  [HealthStatus.HEALTHY]: 'Healthy',
  [HealthStatus.SUSPENDED]: 'Suspended',
  [HealthStatus.PROGRESSING]: 'Progressing',
  [HealthStatus.MISSING]: 'Missing',
  [HealthStatus.DEGRADED]: 'Degraded',
  [HealthStatus.UNKNOWN]: 'Unknown',
};
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Keeps the last status each agent reported per application, and answers for the API. */
@Injectable()
export class ClusterStatusService {
  constructor(private readonly dataSource: DataSource) {}

  /** Records a status report; a report for an application the hub does not know is ignored. */
  async record(cluster: ClusterEntity, report: StatusReport): Promise<void> {
    const application = await this.dataSource.getRepository(ApplicationEntity).findOneBy({ name: report.application });
    if (!application) return;
    await this.dataSource
      .createQueryBuilder()
      .insert()
      .into(ClusterApplicationStatusEntity)
      .values({
        clusterId: cluster.id,
        applicationId: application.id,
        revisionId: uuidPattern.test(report.revision) ? report.revision : null,
        bundleDigest: report.bundleDigest,
        syncState: syncStateNames[report.sync] ?? 'OutOfSync',
        error: report.error || null,
        healthStatus: healthNames[report.health?.status ?? HealthStatus.UNKNOWN] ?? 'Unknown',
        healthMessage: report.health?.message ?? '',
        changeSet: (report.lastChangeSet?.entries ?? []).map((entry) => ({
          subject: formatIdentity({ kind: entry.object?.kind ?? '', namespace: entry.object?.namespace ?? '', name: entry.object?.name ?? '' }),
          action: actionNames[entry.action] ?? 'unknown',
          message: entry.message,
        })),
        reportedAt: new Date(Number(report.observedAtUnixMs) || Date.now()),
      })
      .orUpdate(['revision_id', 'bundle_digest', 'sync_state', 'error', 'health_status', 'health_message', 'change_set', 'reported_at'], ['cluster_id', 'application_id'])
      .execute();
  }

  forCluster(clusterId: string): Promise<ClusterApplicationStatusEntity[]> {
    return this.dataSource.getRepository(ClusterApplicationStatusEntity).find({ where: { clusterId }, relations: { application: true }, order: { reportedAt: 'DESC' } });
  }
}
