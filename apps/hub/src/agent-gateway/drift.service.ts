import { Injectable, type OnModuleInit } from '@nestjs/common';
import { formatIdentity } from '@capstan/manifest';
import { ApplicationEntity, type ClusterEntity, DriftEntity, FleetEventEntity } from '@capstan/persistence';
import type { DriftReport, DriftResolved, ObjectRef as ProtoObjectRef } from '@capstan/proto';
import { capstanFieldManager, type DriftResolution, type DriftStatus, type HealPolicy, openDriftStatuses } from '@capstan/vocabulary';
import { isUUID } from 'class-validator';
import { DataSource, type EntityManager, In, IsNull, Not } from 'typeorm';
import { FleetEventsService } from '../events/fleet-events.service';
import { LiveChanges } from '../live/live-changes';
import { agentTime } from './agent-time';

const statusByPolicy: Record<HealPolicy, DriftStatus> = { auto: 'healing', approve: 'held', alert: 'alerted' };

function subjectOf(ref: ProtoObjectRef): string {
  return formatIdentity({ kind: ref.kind, namespace: ref.namespace, name: ref.name });
}

/**
 * Records the drift agents report, decides by heal policy whether it is healed, held or only
 * alerted (again whenever the policy in force changes), and closes it once the object matches git
 * again, with how that came about.
 */
@Injectable()
export class DriftService implements OnModuleInit {
  constructor(
    private readonly dataSource: DataSource,
    private readonly events: FleetEventsService,
    private readonly live: LiveChanges,
  ) {}

  onModuleInit(): void {
    this.live.register('drift', (ids) => this.dataSource.getRepository(DriftEntity).find({ where: { id: In(ids.filter((id) => isUUID(id))) }, relations: { application: true, cluster: true } }));
  }

  /**
   * Records a report; one open drift per object, updated while it lasts. A drift the agent healed
   * on its own while cut off from the hub is recorded healed at that time. Returns it, or null for
   * an unknown application.
   */
  async record(cluster: ClusterEntity, report: DriftReport, policy: HealPolicy): Promise<DriftEntity | null> {
    const application = await this.dataSource.getRepository(ApplicationEntity).findOneBy({ name: report.application });
    if (!application || !report.object) return null;
    const ref = report.object;
    const subject = subjectOf(ref);
    const recorded = await this.dataSource.transaction(async (manager) => {
      const drifts = manager.getRepository(DriftEntity);
      const open = await drifts.findOneBy({ clusterId: cluster.id, applicationId: application.id, subject, status: In(openDriftStatuses) });
      const drift =
        open ?? drifts.create({ clusterId: cluster.id, applicationId: application.id, subject, status: statusByPolicy[policy], detectedAt: agentTime(report.observedAtUnixMs), resolution: null, resolvedAt: null, restoredBy: null });
      if (report.revision && isUUID(report.revision)) drift.revisionId ??= report.revision;
      if (report.healedLocallyAtUnixMs) Object.assign(drift, { status: 'resolved', resolution: 'healed', restoredBy: capstanFieldManager, resolvedAt: agentTime(report.healedLocallyAtUnixMs) });
      drift.objectRef = { group: ref.group, version: ref.version, kind: ref.kind, namespace: ref.namespace, name: ref.name };
      drift.objectDeleted = report.objectDeleted;
      drift.fields = report.fields.map((field) => ({ path: field.path, desired: field.desiredJson, live: field.liveJson, changedBy: field.changedBy }));
      await drifts.save(drift);
      drift.application = application;
      await this.events.record(
        manager,
        { type: 'drift.detected', clusterId: cluster.id, applicationId: application.id, driftId: drift.id, subject, occurredAt: agentTime(report.observedAtUnixMs), details: { deleted: report.objectDeleted, fields: drift.fields, policy } },
        ...(report.healedLocallyAtUnixMs
          ? [{ type: 'heal.succeeded' as const, clusterId: cluster.id, applicationId: application.id, driftId: drift.id, subject, occurredAt: drift.resolvedAt ?? undefined, details: { locally: true } }]
          : []),
      );
      return drift;
    });
    if (recorded) this.live.changed('drift', recorded.id);
    return recorded;
  }

  /**
   * The agent says a drifted object matches git again. Its open drift closes: `superseded` when the
   * object now matches another revision than the one it drifted from, `healed` when Capstan's apply
   * put it back, `reverted` when someone else did.
   */
  async resolve(cluster: ClusterEntity, report: DriftResolved): Promise<void> {
    if (!report.object) return;
    const drift = await this.dataSource.getRepository(DriftEntity).findOne({
      where: { clusterId: cluster.id, application: { name: report.application }, subject: subjectOf(report.object), status: In(openDriftStatuses) },
      relations: { application: true },
    });
    if (!drift) return;
    const superseded = drift.revisionId !== null && report.revision !== '' && report.revision !== drift.revisionId;
    const resolution: DriftResolution = superseded ? 'superseded' : report.restoredBy === capstanFieldManager ? 'healed' : 'reverted';
    await this.dataSource.transaction((manager) => this.close(manager, drift, resolution, report.restoredBy || null, agentTime(report.resolvedAtUnixMs)));
    this.live.changed('drift', drift.id);
  }

  /**
   * Decides an open drift again under the heal policy now in force: `approve` holds it, `alert`
   * only reports it, `auto` heals it — true when a heal must be instructed now (it is marked so).
   */
  async decide(drift: DriftEntity, policy: HealPolicy): Promise<boolean> {
    if (policy === 'auto') {
      if (drift.status === 'healing') return false;
      await this.markInstructed(drift, 'auto');
      return true;
    }
    // A heal already instructed runs its course; what waits takes the new policy's status.
    if (drift.status !== 'healing' && drift.status !== statusByPolicy[policy]) {
      await this.dataSource.getRepository(DriftEntity).update({ id: drift.id, status: drift.status }, { status: statusByPolicy[policy] });
      this.live.changed('drift', drift.id);
    }
    return false;
  }

  /** The hub told the agent to heal the drift: at once under auto, or once someone approved it. */
  async markInstructed(drift: DriftEntity, how: 'auto' | 'approved'): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const instructedAt = new Date();
      await manager.getRepository(DriftEntity).update({ id: drift.id }, { status: 'healing', instructedAt });
      Object.assign(drift, { status: 'healing', instructedAt });
      await this.events.record(manager, { type: 'heal.instructed', clusterId: drift.clusterId, applicationId: drift.applicationId, driftId: drift.id, subject: drift.subject, occurredAt: instructedAt, details: { how } });
    });
    this.live.changed('drift', drift.id);
  }

  /** An agent finished a heal instruction (whose id is the drift's): a success resolves the drift as healed, unless it already was. */
  async healed(cluster: ClusterEntity, instructionId: string, error: string): Promise<void> {
    const drift = isUUID(instructionId) ? await this.dataSource.getRepository(DriftEntity).findOneBy({ id: instructionId, clusterId: cluster.id }) : null;
    if (!drift) return;
    // A heal reported twice (its instruction was resent) is recorded once.
    if (drift.status === 'resolved' && (await this.dataSource.getRepository(FleetEventEntity).existsBy({ driftId: drift.id, type: 'heal.succeeded' }))) return;
    await this.dataSource.transaction(async (manager) => {
      const finishedAt = new Date();
      await this.events.record(manager, {
        type: error ? 'heal.failed' : 'heal.succeeded',
        clusterId: cluster.id,
        applicationId: drift.applicationId,
        driftId: drift.id,
        subject: drift.subject,
        occurredAt: finishedAt,
        details: error ? { error } : {},
      });
      if (!error) await this.close(manager, drift, 'healed', capstanFieldManager, finishedAt);
    });
    this.live.changed('drift', drift.id);
  }

  /** What is live of an application on a cluster is not the bundle the hub wants there. */
  async checksumMismatched(cluster: ClusterEntity, application: string, wanted: string, live: string, resynced: boolean): Promise<void> {
    const found = await this.dataSource.getRepository(ApplicationEntity).findOneBy({ name: application });
    await this.events.record(this.dataSource.manager, { type: 'checksum.mismatched', clusterId: cluster.id, applicationId: found?.id ?? null, details: { wanted, live, resynced } });
  }

  /** Open drifts of a cluster, newest first. */
  openDrifts(clusterId: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: In(openDriftStatuses) }, relations: { application: true }, order: { detectedAt: 'DESC' } });
  }

  /** Every drift of a cluster, open or resolved, newest first: the drift → instruction → resolution cycle with its timings. */
  history(clusterId: string, limit: number): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId }, relations: { application: true }, order: { detectedAt: 'DESC' }, take: limit });
  }

  /** Drifts of a cluster whose heal was instructed and has not completed, with their applications. */
  awaitingHeal(clusterId: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: 'healing', instructedAt: Not(IsNull()) }, relations: { application: true }, order: { instructedAt: 'ASC' } });
  }

  /** Drifts of a cluster's application that someone may approve healing: held, or only alerted. */
  approvable(clusterId: string, applicationName: string): Promise<DriftEntity[]> {
    return this.dataSource.getRepository(DriftEntity).find({ where: { clusterId, status: In(['held', 'alerted']), application: { name: applicationName } }, relations: { application: true } });
  }

  private async close(manager: EntityManager, drift: DriftEntity, resolution: DriftResolution, restoredBy: string | null, resolvedAt: Date): Promise<void> {
    const { affected } = await manager.getRepository(DriftEntity).update({ id: drift.id, status: In(openDriftStatuses) }, { status: 'resolved', resolution, restoredBy, resolvedAt });
    // Closed once, however many messages say so.
    if (!affected) return;
    await this.events.record(manager, { type: 'drift.resolved', clusterId: drift.clusterId, applicationId: drift.applicationId, driftId: drift.id, subject: drift.subject, occurredAt: resolvedAt, details: { resolution, restoredBy } });
  }
}
