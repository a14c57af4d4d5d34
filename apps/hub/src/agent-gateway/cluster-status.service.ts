import { Injectable } from '@nestjs/common';
import { formatIdentity } from '@capstan/manifest';
import { ApplicationEntity, ClusterApplicationStatusEntity, type ClusterEntity, type SyncStateName } from '@capstan/persistence';
import { changeActionName, HealthStatus, healthStatusName, type StatusReport, SyncState } from '@capstan/proto';
import { DataSource } from 'typeorm';

const syncStateNames: Partial<Record<SyncState, SyncStateName>> = { [SyncState.SYNCED]: 'Synced', [SyncState.OUT_OF_SYNC]: 'OutOfSync', [SyncState.FAILED]: 'Failed' };
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
        healthStatus: healthStatusName(report.health?.status ?? HealthStatus.UNKNOWN),
        healthMessage: report.health?.message ?? '',
        changeSet: (report.lastChangeSet?.entries ?? []).map((entry) => ({
          subject: formatIdentity({ kind: entry.object?.kind ?? '', namespace: entry.object?.namespace ?? '', name: entry.object?.name ?? '' }),
          action: changeActionName(entry.action),
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
