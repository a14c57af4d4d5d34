import { Injectable } from '@nestjs/common';
import { formatIdentity } from '@capstan/manifest';
import { ApplicationEntity, type ClusterEntity, DriftEntity, type DriftStatus } from '@capstan/persistence';
import { type HealPolicy } from '@capstan/vocabulary';
import type { DriftReport } from '@capstan/proto';
import { isUUID } from 'class-validator';
import { DataSource, In, IsNull, Not } from 'typeorm';
import { FleetEventsService } from '../events/fleet-events.service';
import { agentTime } from './agent-time';

const openStatuses: DriftStatus[] = ['healing', 'held', 'alerted'];
const statusByPolicy: Record<HealPolicy, DriftStatus> = { auto: 'healing', approve: 'held', alert: 'alerted' };

/** Records the drift agents report and decides, by heal policy, whether it is healed, held or only alerted. */
@Injectable()
export class DriftService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: FleetEventsService,
  ) {}

  /**
   * Records a report; one open drift per object, updated while it lasts. A drift the agent healed
   * on its own while cut off from the hub is recorded healed at that time. Returns it, or null for
   * an unknown application.
   */
  async record(cluster: ClusterEntity, report: DriftReport, policy: HealPolicy): Promise<DriftEntity | null> {
    const application = await this.dataSource.getRepository(ApplicationEntity).findOneBy({ name: report.application });
    if (!application || !report.object) return null;
    const ref = report.object;
    const subject = formatIdentity({ kind: ref.kind, namespace: ref.namespace, name: ref.name });
    return this.dataSource.transaction(async (manager) => {
      const drifts = manager.getRepository(DriftEntity);
      const open = await drifts.findOneBy({ clusterId: cluster.id, applicationId: application.id, subject, status: In(openStatuses) });
      const drift = open ?? drifts.create({ clusterId: cluster.id, applicationId: application.id, subject, status: statusByPolicy[policy], detectedAt: agentTime(report.observedAtUnixMs) });
      if (report.healedLocallyAtUnixMs) Object.assign(drift, { status: 'healed', healedAt: agentTime(report.healedLocallyAtUnixMs) });
      drift.objectRef = { group: ref.group, version: ref.version, kind: ref.kind, namespace: ref.namespace, name: ref.name };
      drift.objectDeleted = report.objectDeleted;
      drift.fields = report.fields.map((field) => ({ path: field.path, desired: field.desiredJson, live: field.liveJson, changedBy: field.changedBy }));
      await drifts.save(drift);
      drift.application = application;
      await this.events.record(
        manager,
        { type: 'drift.detected', clusterId: cluster.id, applicationId: application.id, driftId: drift.id, subject, occurredAt: agentTime(report.observedAtUnixMs), details: { deleted: report.objectDeleted, fields: drift.fields, policy } },
        ...(report.healedLocallyAtUnixMs
          ? [{ type: 'heal.succeeded' as const, clusterId: cluster.id, applicationId: application.id, driftId: drift.id, subject, occurredAt: drift.healedAt ?? undefined, details: { locally: true } }]
          : []),
      );
      return drift;
    });
  }

  /** The hub told the agent to heal the drift: at once under auto, or once someone approved it. */
  async markInstructed(drift: DriftEntity, how: 'auto' | 'approved'): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const instructedAt = new Date();
      await manager.getRepository(DriftEntity).update({ id: drift.id }, { status: 'healing', instructedAt });
      await this.events.record(manager, { type: 'heal.instructed', clusterId: drift.clusterId, applicationId: drift.applicationId, driftId: drift.id, subject: drift.subject, occurredAt: instructedAt, details: { how } });
    });
  }

  /** An agent finished a heal instruction (whose id is the drift's). */
  async healed(cluster: ClusterEntity, instructionId: string, error: string): Promise<void> {
    const drift = isUUID(instructionId) ? await this.dataSource.getRepository(DriftEntity).findOneBy({ id: instructionId, clusterId: cluster.id }) : null;
    // A heal reported twice (its instruction was resent) is recorded once.
    if (!drift || drift.status === 'healed') return;
    await this.dataSource.transaction(async (manager) => {
      const healedAt = new Date();
      if (!error) await manager.getRepository(DriftEntity).update({ id: drift.id }, { status: 'healed', healedAt });
      await this.events.record(manager, {
        type: error ? 'heal.failed' : 'heal.succeeded',
        clusterId: cluster.id,
        applicationId: drift.applicationId,
        driftId: drift.id,
        subject: drift.subject,
        occurredAt: healedAt,
        details: error ? { error } : {},
      });
    });
  }

  /** What is live of an application on a cluster is not the bundle the hub wants there. */
  async checksumMismatched(cluster: ClusterEntity, application: string, wanted: string, live: string, resynced: boolean): Promise<void> {
    const found = await this.dataSource.getRepository(ApplicationEntity).findOneBy({ name: application });
    await this.events.record(this.dataSource.manager, { type: 'checksum.mismatched', clusterId: cluster.id, applicationId: found?.id ?? null, details: { wanted, live, resynced } });
  }

  /** Open drifts of a cluster, newest first. */
  openDrifts(clusterId: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: In(openStatuses) }, relations: { application: true }, order: { detectedAt: 'DESC' } });
  }

  /** Every drift of a cluster, healed or not, newest first: the drift → instruction → healed cycle with its timings. */
  history(clusterId: string, limit: number): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId }, relations: { application: true }, order: { detectedAt: 'DESC' }, take: limit });
  }

  /** Drifts of a cluster whose heal was instructed and has not completed, with their applications. */
  awaitingHeal(clusterId: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: 'healing', instructedAt: Not(IsNull()) }, relations: { application: true }, order: { instructedAt: 'ASC' } });
  }

  /** Drifts of a cluster's application held for approval. */
  held(clusterId: string, applicationName: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: 'held', application: { name: applicationName } }, relations: { application: true } });
  }
}
