import { type BeforeApplicationShutdown, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { formatIdentity } from '@capstan/manifest';
import { ClusterApplicationStatusEntity, type ClusterEntity, ResourceStatusEntity, type SyncStateName } from '@capstan/persistence';
import { changeActionName, HealthStatus, healthStatusName, type StatusReport, SyncState } from '@capstan/proto';
import { isUUID } from 'class-validator';
import { DataSource, In } from 'typeorm';
import { LiveChanges } from '../live/live-changes';
import { agentTime } from './agent-time';
import { StatusEvents } from './status-events';
import { type ResourceStatusRow, StatusWriter } from './status-writer';

const syncStateNames: Partial<Record<SyncState, SyncStateName>> = { [SyncState.SYNCED]: 'Synced', [SyncState.OUT_OF_SYNC]: 'OutOfSync', [SyncState.FAILED]: 'Failed' };

/** One row per object: an agent that lists an object twice is taken at its last word. */
function resourceRows(report: StatusReport): ResourceStatusRow[] {
  const rows = new Map<string, ResourceStatusRow>();
  for (const resource of report.resources) {
    const object = resource.object;
    const row = {
      group: object?.group ?? '',
      kind: object?.kind ?? '',
      namespace: object?.namespace ?? '',
      name: object?.name ?? '',
      syncState: syncStateNames[resource.sync] ?? 'OutOfSync',
      healthStatus: healthStatusName(resource.health?.status ?? HealthStatus.UNKNOWN),
      healthMessage: resource.health?.message ?? '',
    };
    rows.set(`${row.group}|${row.kind}|${row.namespace}|${row.name}`, row);
  }
  return [...rows.values()];
}

/** How a cluster's status of an application is named in live changes. */
const liveStatusKey = (clusterId: string, application: string) => `${clusterId}/${application}`;

/** Keeps the last status each agent reported per application and per object, and answers for the API. */
@Injectable()
export class ClusterStatusService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(ClusterStatusService.name);
  private readonly writer: StatusWriter;

  constructor(
    private readonly dataSource: DataSource,
    private readonly statusEvents: StatusEvents,
    private readonly live: LiveChanges,
  ) {
    this.writer = new StatusWriter(dataSource);
  }

  onModuleInit(): void {
    this.live.register('status', async (keys) => {
      const wanted = new Set(keys);
      const clusterIds = [...new Set(keys.map((key) => key.split('/')[0]))].filter((id) => isUUID(id));
      if (clusterIds.length === 0) return [];
      return (await this.statusesOf('clusterId', clusterIds)).filter((status) => wanted.has(liveStatusKey(status.clusterId, status.application?.name ?? '')));
    });
  }

  /** Records a status report, batched with others; a report for an application the hub does not know is ignored. */
  async record(cluster: ClusterEntity, report: StatusReport): Promise<void> {
    await this.writer.writeStatus({
      clusterId: cluster.id,
      application: report.application,
      revisionId: isUUID(report.revision) ? report.revision : null,
      bundleDigest: report.bundleDigest,
      syncState: syncStateNames[report.sync] ?? 'OutOfSync',
      error: report.error || null,
      watchError: report.watchError || null,
      healthStatus: healthStatusName(report.health?.status ?? HealthStatus.UNKNOWN),
      healthMessage: report.health?.message ?? '',
      changeSet: (report.lastChangeSet?.entries ?? []).map((entry) => ({
        subject: formatIdentity({ kind: entry.object?.kind ?? '', namespace: entry.object?.namespace ?? '', name: entry.object?.name ?? '' }),
        action: changeActionName(entry.action),
        message: entry.message,
      })),
      reportedAt: agentTime(report.observedAtUnixMs),
      resources: resourceRows(report),
    });
    this.statusEvents.statusWritten(report.application);
    this.live.changed('status', liveStatusKey(cluster.id, report.application));
  }

  /**
   * Records, batched with others, that the cluster's agent was heard from now. Nobody waits for it:
   * the agent's next message is not held up, and a failed write is only logged (the next heartbeat makes up for it).
   */
  seen(cluster: ClusterEntity): void {
    this.writer.writeSeen(cluster.id, new Date()).catch((error: Error) => this.logger.warn(`could not record that cluster ${cluster.name} was seen: ${error.message}`));
  }

  /** Writes what is still queued while the database is open. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.writer.close();
  }

  /** The application statuses of these clusters (or of these applications), newest first, with their cluster, application and revision. */
  statusesOf(by: 'clusterId' | 'applicationId', ids: readonly string[]): Promise<ClusterApplicationStatusEntity[]> {
    return this.dataSource
      .getRepository(ClusterApplicationStatusEntity)
      .find({ where: { [by]: In([...ids]) }, relations: { cluster: true, application: true, revision: true }, order: { reportedAt: 'DESC' } });
  }

  /** The object statuses of these (cluster, application) pairs, by kind, namespace and name. */
  resourcesOf(pairs: ReadonlyArray<{ clusterId: string; applicationId: string }>): Promise<ResourceStatusEntity[]> {
    return this.dataSource
      .getRepository(ResourceStatusEntity)
      .createQueryBuilder('resource')
      .where('(resource.clusterId, resource.applicationId) IN (SELECT * FROM unnest(CAST(:clusterIds AS uuid[]), CAST(:applicationIds AS uuid[])))', {
        clusterIds: pairs.map((pair) => pair.clusterId),
        applicationIds: pairs.map((pair) => pair.applicationId),
      })
      .orderBy('resource.kind')
      .addOrderBy('resource.namespace')
      .addOrderBy('resource.name')
      .getMany();
  }
}
