import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KeyedSerialQueue } from '@capstan/async';
import { ApplicationEntity, RevisionEntity, RolloutEntity } from '@capstan/persistence';
import {
  actOnRollout,
  type ClusterBudget,
  type ClusterObservation,
  finishedRolloutStates,
  parseBudget,
  type RevisionRef,
  type RolloutAction,
  RolloutActionError,
  type RolloutRecord,
  type RolloutStep,
  type RolloutStrategy,
  RolloutStrategyError,
  startRollout,
  stepRollout,
  supersedeRollout,
  validateStrategy,
} from '@capstan/rollout';
import { openDriftStatuses } from '@capstan/vocabulary';
import { DataSource, type EntityManager, In } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { heardFromLately, resyncInstruction } from '../agent-gateway/agent-instructions';
import { AgentSessionRegistry } from '../agent-gateway/agent-sessions';
import { StatusEvents } from '../agent-gateway/status-events';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { CapstanException } from '../common/capstan.exception';
import { type Connection, type PageArgs, paginate } from '../common/pagination';
import { type DesiredStateWriter, DesiredStatesService } from '../desired-states/desired-states.service';
import { FleetEventsService } from '../events/fleet-events.service';
import { clustersWithGroups } from '../groups/group-membership';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { LiveChanges } from '../live/live-changes';
import type { RolloutStrategyDto } from './rollout.dto';

/** How often every rollout in flight is planned again, for deadlines, bake times and pacing. */
export const rolloutTickMs = 1_000;

const activeStates = ['Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'RollingBack'] as const;

/** One stage of all clusters at once: a rollout (a manual start, an immediate rollback) for an application without a strategy. */
const allAtOnce: RolloutStrategy = { stages: [{ name: 'all', maxConcurrency: '100%' }], onFailure: 'pause' };

/** A strategy as the API gives it (budgets as strings), checked; errors name the field under `field`. */
export function rolloutStrategyFrom(input: RolloutStrategyDto, field: string): RolloutStrategy {
  const budget = (value: string | undefined): ClusterBudget | undefined => (value === undefined ? undefined : parseBudget(value));
  const strategy: RolloutStrategy = {
    stages: input.stages.map(({ maxConcurrency, maxFailures, ...stage }) => ({ ...stage, maxConcurrency: budget(maxConcurrency), maxFailures: budget(maxFailures) })),
    onFailure: input.onFailure,
    maxClustersPerMinute: input.maxClustersPerMinute,
    onNewerRevision: input.onNewerRevision,
  };
  try {
    validateStrategy(strategy);
  } catch (error) {
    if (error instanceof RolloutStrategyError) throw CapstanException.invalid(`${field}.${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
  return JSON.parse(JSON.stringify(strategy)) as RolloutStrategy;
}

/** A strategy as the API shows it: budgets as strings, as they are given. */
export function rolloutStrategyDto(strategy: RolloutStrategy): RolloutStrategyDto {
  return { ...strategy, stages: strategy.stages.map((stage) => ({ ...stage, maxConcurrency: stage.maxConcurrency?.toString(), maxFailures: stage.maxFailures?.toString() })) };
}

/**
 * Rolls revisions out across an application's clusters as its strategy says: plans each step
 * with libs/rollout from what the hub knows of the clusters, and writes the desired-state
 * records, the rollout's record, its events and (for operators' actions) the audit entry in one
 * transaction. A status report steps the rollouts it concerns at once; a tick handles deadlines,
 * bake times and pacing. The rollout's row is locked while a step plans, so with several
 * replicas each step is planned once, from the record the previous step left.
 */
@Injectable()
export class RolloutsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RolloutsService.name);
  private readonly steps = new KeyedSerialQueue<string>();
  /** Rollouts whose step is queued already: a burst of reports makes one more step, not one each. */
  private readonly queued = new Set<string>();
  private tick: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly desiredStates: DesiredStatesService,
    private readonly audit: AuditService,
    private readonly events: FleetEventsService,
    private readonly statusEvents: StatusEvents,
    private readonly live: LiveChanges,
    private readonly sessions: AgentSessionRegistry,
    private readonly desiredStateEvents: DesiredStateEvents,
  ) {}

  onApplicationBootstrap(): void {
    this.live.register('rollout', (ids) => this.dataSource.getRepository(RolloutEntity).find({ where: { id: In([...ids]) }, relations: { application: true, revision: true } }));
    this.unsubscribe = this.statusEvents.onStatusWritten((applications) => void this.stepApplications(applications));
    this.tick = setInterval(() => void this.stepAll(), rolloutTickMs);
    this.tick.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    this.unsubscribe?.();
    await this.steps.drained();
  }

  /**
   * Starts rolling `revision` out inside the caller's desired-state change (with its revision and
   * audit entry): rollouts in flight are superseded, or the new one queues behind them.
   */
  async start(writer: DesiredStateWriter, application: ApplicationEntity, revision: RevisionEntity, options: { strategy: RolloutStrategy; startedBy: string; reason: string; rollback?: boolean }): Promise<RolloutEntity> {
    const manager = writer.manager;
    const rollouts = manager.getRepository(RolloutEntity);
    const active = await rollouts.createQueryBuilder('rollout').setLock('pessimistic_write').where('rollout.application_id = :id AND rollout.state IN (:...states)', { id: application.id, states: activeStates }).getMany();
    const entity = rollouts.create({
      applicationId: application.id,
      revisionId: revision.id,
      state: 'Pending',
      strategy: options.strategy,
      startedBy: options.startedBy,
      reason: options.reason,
      isRollback: options.rollback ?? false,
      finishedAt: null,
      record: queuedRecord(revision.id, Date.now()),
    });
    await rollouts.save(entity);
    writer.afterCommit(() => this.live.changed('rollout', entity.id));
    if (active.length > 0 && (options.strategy.onNewerRevision ?? 'supersede') === 'queue') return entity;
    for (const superseded of active) await this.write(writer, application, superseded, supersedeRollout(superseded.record, Date.now(), `superseded by the rollout of commit ${revision.commitSha}`));
    await this.begin(writer, application, entity, revision);
    return entity;
  }

  /** Plans a rollout's next step, from its record and what the hub knows of its clusters now. */
  async step(rolloutId: string): Promise<void> {
    await this.desiredStates.change('system', async (writer) => {
      const entity = await this.locked(writer.manager, rolloutId);
      if (!entity || finishedRolloutStates.has(entity.state)) return;
      const application = await writer.manager.getRepository(ApplicationEntity).findOneByOrFail({ id: entity.applicationId });
      if (entity.state === 'Pending') return this.startQueued(writer, application, entity);
      const observations = await this.observe(writer.manager, application.id, Object.keys(entity.record.clusters));
      await this.write(writer, application, entity, stepRollout({ strategy: entity.strategy, record: entity.record, observations, now: Date.now() }));
    });
  }

  /** An operator's action on a rollout, audited with its reason in the same transaction. */
  async act(principal: Principal, rolloutId: string, action: RolloutAction): Promise<RolloutEntity> {
    return this.desiredStates.change(principal.actor, async (writer) => {
      const entity = await this.locked(writer.manager, rolloutId);
      if (!entity) throw CapstanException.notFound('rollout', rolloutId);
      const application = await writer.manager.getRepository(ApplicationEntity).findOneByOrFail({ id: entity.applicationId });
      const observations = await this.observe(writer.manager, application.id, Object.keys(entity.record.clusters));
      let step: RolloutStep;
      try {
        if (entity.state === 'Pending' && action.type !== 'abort') throw new RolloutActionError(`rollout ${entity.id} waits for the rollout before it to end; it can only be aborted`);
        step = actOnRollout({ strategy: entity.strategy, record: entity.record, action, observations, now: Date.now() });
      } catch (error) {
        if (error instanceof RolloutActionError) throw CapstanException.conflict(error.message);
        throw error;
      }
      await this.write(writer, application, entity, step);
      // A retried cluster's desired state is the one it failed on, which changes nothing there: it is told to apply it afresh, so what it reports next is news.
      if (action.type === 'retry') writer.afterCommit(() => void this.resync(application.name, step.desired.map((change) => change.cluster)));
      const { type, reason, ...details } = action;
      await this.audit.record(writer.manager, { actor: principal.actor, action: `rollout.${type}`, targetType: 'Rollout', targetName: entity.id, reason, summary: { application: application.name, state: entity.state, ...details } });
      return entity;
    });
  }

  /**
   * Rolls `revision` out by an operator's hand: under sync `manual` the way revisions reach
   * clusters; also a revision rejected before, or (with `rollback`) an earlier one, through the
   * application's stages or, `immediate`, everywhere at once. Needs no git: bundles are stored.
   */
  async startByOperator(principal: Principal, applicationName: string, revisionId: string, options: { reason: string; rollback: boolean; immediate: boolean }): Promise<RolloutEntity> {
    return this.desiredStates.change(principal.actor, async (writer) => {
      const application = await writer.manager.getRepository(ApplicationEntity).findOneBy({ name: applicationName });
      if (!application) throw CapstanException.notFound('application', applicationName);
      const revision = await writer.manager.getRepository(RevisionEntity).findOneBy({ id: revisionId, applicationId: application.id });
      if (!revision) throw CapstanException.notFound('revision', revisionId);
      if (revision.status !== 'rendered') throw CapstanException.invalid('revision', `revision ${revisionId} failed to render (${revision.error ?? 'no bundles'}) and cannot be rolled out`);
      const strategy = options.immediate || !application.rolloutStrategy ? { ...allAtOnce, onNewerRevision: application.rolloutStrategy?.onNewerRevision } : application.rolloutStrategy;
      const rollout = await this.start(writer, application, revision, { strategy, startedBy: principal.actor, reason: options.reason, rollback: options.rollback });
      await this.audit.record(writer.manager, {
        actor: principal.actor,
        action: options.rollback ? 'application.rollback' : 'rollout.start',
        targetType: 'Application',
        targetName: application.name,
        reason: options.reason,
        summary: { rollout: rollout.id, revision: revision.id, commit: revision.commitSha, immediate: options.immediate },
      });
      return rollout;
    });
  }

  /** Rollouts newest first, of one application and in one state when asked. */
  list(filter: { application?: string; state?: string }, page: PageArgs): Promise<Connection<RolloutEntity>> {
    const query = this.dataSource.getRepository(RolloutEntity).createQueryBuilder('rollout').leftJoinAndSelect('rollout.application', 'application').leftJoinAndSelect('rollout.revision', 'revision');
    if (filter.application) query.andWhere('application.name = :application', { application: filter.application });
    if (filter.state) query.andWhere('rollout.state = :state', { state: filter.state });
    return paginate(query, page, { column: 'rollout.sequence', direction: 'DESC', key: (rollout) => rollout.sequence, integer: true }, (rollout) => rollout);
  }

  /** The revisions the application's rollouts in flight are rolling out. */
  async revisionsInFlight(applicationId: string): Promise<ReadonlySet<string>> {
    const rows: Array<{ revision_id: string }> = await this.dataSource.query(`SELECT DISTINCT revision_id FROM rollouts WHERE application_id = $1 AND state = ANY($2)`, [applicationId, [...activeStates]]);
    return new Set(rows.map((row) => row.revision_id));
  }

  applicationExists(name: string): Promise<boolean> {
    return this.dataSource.getRepository(ApplicationEntity).existsBy({ name });
  }

  async get(id: string): Promise<RolloutEntity> {
    const rollout = await this.dataSource.getRepository(RolloutEntity).findOne({ where: { id }, relations: { application: true, revision: true } });
    if (!rollout) throw CapstanException.notFound('rollout', id);
    return rollout;
  }

  private async resync(application: string, clusters: readonly string[]): Promise<void> {
    for (const cluster of clusters) {
      await this.sessions.instruct(cluster, resyncInstruction(application)).catch((error: unknown) => this.logger.warn(`cluster ${cluster} could not be told to apply ${application} again: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  /** Steps the rollouts in flight of these applications (by name), once each however many reports came. */
  private stepApplications(applications: readonly string[]): Promise<void> {
    return this.stepWhere(`SELECT rollout.id FROM rollouts rollout JOIN applications app ON app.id = rollout.application_id WHERE rollout.state = ANY($1) AND app.name = ANY($2)`, [[...applications]]);
  }

  private stepAll(): Promise<void> {
    return this.stepWhere(`SELECT id FROM rollouts WHERE state = ANY($1) ORDER BY sequence`, []);
  }

  /** Steps the rollouts in flight `sql` selects (`$1`: the states in flight); a failure is logged, the next report or tick tries again. */
  private async stepWhere(sql: string, parameters: unknown[]): Promise<void> {
    try {
      const rows: Array<{ id: string }> = await this.dataSource.query(sql, [[...activeStates], ...parameters]);
      await Promise.all(rows.map(({ id }) => this.requestStep(id)));
    } catch (error) {
      this.logger.warn(`rollouts could not be stepped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private requestStep(rolloutId: string): Promise<void> {
    if (this.queued.has(rolloutId)) return Promise.resolve();
    this.queued.add(rolloutId);
    return this.steps
      .run(rolloutId, () => {
        this.queued.delete(rolloutId);
        return this.step(rolloutId);
      })
      .catch((error: unknown) => this.logger.warn(`rollout ${rolloutId} could not be stepped: ${error instanceof Error ? error.message : String(error)}`));
  }

  private locked(manager: EntityManager, rolloutId: string): Promise<RolloutEntity | null> {
    return manager.getRepository(RolloutEntity).createQueryBuilder('rollout').setLock('pessimistic_write').where('rollout.id = :id', { id: rolloutId }).getOne();
  }

  /** A queued rollout starts once no other of its application is in flight. */
  private async startQueued(writer: DesiredStateWriter, application: ApplicationEntity, entity: RolloutEntity): Promise<void> {
    const ahead = await writer.manager
      .getRepository(RolloutEntity)
      .createQueryBuilder('rollout')
      .where('rollout.application_id = :application AND rollout.state IN (:...states) AND rollout.sequence < :sequence', { application: application.id, states: activeStates, sequence: entity.sequence })
      .getCount();
    if (ahead > 0) return;
    const revision = await writer.manager.getRepository(RevisionEntity).findOneByOrFail({ id: entity.revisionId });
    await this.begin(writer, application, entity, revision);
  }

  private async begin(writer: DesiredStateWriter, application: ApplicationEntity, entity: RolloutEntity, revision: RevisionEntity): Promise<void> {
    const targets: Record<string, RevisionRef> = Object.fromEntries(Object.entries(revision.clusterDigests).map(([cluster, bundleDigest]) => [cluster, { revisionId: revision.id, bundleDigest }]));
    // One after the other: a transaction's queries share one connection.
    const fleet = await clustersWithGroups(writer.manager, Object.keys(targets));
    const observations = await this.observe(writer.manager, application.id, Object.keys(targets));
    await this.write(writer, application, entity, startRollout({ revisionId: revision.id, strategy: entity.strategy, fleet, targets, observations, now: Date.now() }));
  }

  /** Writes what a step decided: desired states (grouped by revision), the record, events, and what a finished rollout leaves behind. */
  private async write(writer: DesiredStateWriter, application: ApplicationEntity, entity: RolloutEntity, step: RolloutStep): Promise<void> {
    const unchanged = step.desired.length === 0 && step.events.length === 0 && JSON.stringify(step.record) === JSON.stringify(entity.record);
    if (unchanged) return;
    const manager = writer.manager;
    for (const group of groupedByRevision(step.desired)) {
      if (group.revisionId === null) {
        await writer.withdraw(application, group.clusters.map(({ cluster }) => cluster));
        continue;
      }
      // Without its per-cluster digests: a thousand of them, read at every step, for nothing.
      const revision = await manager.getRepository(RevisionEntity).findOneOrFail({ where: { id: group.revisionId }, select: { id: true, commitSha: true } });
      await writer.assign(application, revision, Object.fromEntries(group.clusters.map(({ cluster, digest }) => [cluster, digest])), group.cause);
    }
    const finishing = !finishedRolloutStates.has(entity.state) && finishedRolloutStates.has(step.record.state);
    Object.assign(entity, { record: step.record, state: step.record.state, finishedAt: step.record.finishedAt === null ? null : new Date(step.record.finishedAt) });
    // An update, not save(): save would read the whole record back first to find what changed.
    // TypeORM's partial-entity type cannot follow the record's recursive JSON; the fields are whole.
    await manager.getRepository(RolloutEntity).update({ id: entity.id }, { record: entity.record, state: entity.state, finishedAt: entity.finishedAt } as unknown as QueryDeepPartialEntity<RolloutEntity>);
    writer.afterCommit(() => this.live.changed('rollout', entity.id));
    const clusterIds = await this.clusterIds(manager, step.events.flatMap((event) => (event.cluster ? [event.cluster] : [])));
    await this.events.record(
      manager,
      ...step.events.map((event) => ({
        type: event.type,
        clusterId: event.cluster ? (clusterIds.get(event.cluster) ?? null) : null,
        applicationId: application.id,
        rolloutId: entity.id,
        subject: event.stage ?? '',
        details: { revision: entity.revisionId, ...(event.stage ? { stage: event.stage } : {}), ...(event.reason ? { reason: event.reason } : {}) },
      })),
    );
    if (!finishing) return;
    if (entity.state === 'Succeeded') {
      await manager.getRepository(ApplicationEntity).update({ id: application.id }, { currentRevisionId: entity.revisionId });
      // Clusters that joined meanwhile run the revision that was in force: placed again, they follow the new one.
      writer.afterCommit(() => this.desiredStateEvents.placementChanged());
    }
    if (entity.state === 'RolledBack') await manager.getRepository(RevisionEntity).update({ id: entity.revisionId }, { rejectedAt: new Date(), rejectedReason: entity.record.reason });
  }

  /** What the hub knows now of these clusters, for the application: connected, paused, desired state, last report, open drift. */
  private async observe(manager: EntityManager, applicationId: string, clusterNames: readonly string[]): Promise<Map<string, ClusterObservation>> {
    const rows: ObservationRow[] = await manager.query(
      `SELECT cluster.name, cluster.last_seen_at, cluster.paused, desired.revision_id, desired.bundle_digest,
              status.bundle_digest AS reported_digest, status.sync_state, status.health_status, status.health_message, status.error, status.reported_at,
              EXISTS (SELECT 1 FROM drifts drift WHERE drift.cluster_id = cluster.id AND drift.application_id = $1 AND drift.status = ANY($3)) AS open_drift
       FROM clusters cluster
       LEFT JOIN desired_states desired ON desired.cluster_id = cluster.id AND desired.application_id = $1
       LEFT JOIN cluster_application_statuses status ON status.cluster_id = cluster.id AND status.application_id = $1
       WHERE cluster.name = ANY($2)`,
      [applicationId, [...clusterNames], [...openDriftStatuses]],
    );
    const now = Date.now();
    return new Map(
      rows.map((row) => [
        row.name,
        {
          cluster: row.name,
          connected: heardFromLately(row.last_seen_at, now),
          paused: row.paused,
          desired: row.revision_id ? { revisionId: row.revision_id, bundleDigest: row.bundle_digest ?? '' } : null,
          reported: row.reported_digest
            ? {
                bundleDigest: row.reported_digest,
                syncState: row.sync_state ?? '',
                health: { status: row.health_status ?? 'Unknown', message: row.health_message ?? '' },
                error: row.error ?? '',
                reportedAt: new Date(row.reported_at ?? 0).getTime(),
              }
            : null,
          openDrift: row.open_drift,
        },
      ]),
    );
  }

  private async clusterIds(manager: EntityManager, names: readonly string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows: Array<{ id: string; name: string }> = await manager.query(`SELECT id, name FROM clusters WHERE name = ANY($1)`, [[...new Set(names)]]);
    return new Map(rows.map((row) => [row.name, row.id]));
  }
}

interface ObservationRow {
  name: string;
  last_seen_at: Date | string | null;
  paused: boolean;
  revision_id: string | null;
  bundle_digest: string | null;
  reported_digest: string | null;
  sync_state: string | null;
  health_status: string | null;
  health_message: string | null;
  error: string | null;
  reported_at: Date | string | null;
  open_drift: boolean;
}

/** The record of a rollout queued behind another: nothing planned yet. */
function queuedRecord(revisionId: string, now: number): RolloutRecord {
  return { revisionId, state: 'Pending', reason: 'waiting for the rollout in flight to end', stages: [], clusters: {}, gate: null, recentStarts: [], startedAt: now, finishedAt: null };
}

/** Desired changes by (revision, cause), keeping their order within each. */
function groupedByRevision(changes: RolloutStep['desired']): Array<{ revisionId: string | null; cause: 'rollout' | 'rollback'; clusters: Array<{ cluster: string; digest: string }> }> {
  const groups = new Map<string, { revisionId: string | null; cause: 'rollout' | 'rollback'; clusters: Array<{ cluster: string; digest: string }> }>();
  for (const change of changes) {
    const key = `${change.to?.revisionId ?? ''}|${change.cause}`;
    const group = groups.get(key) ?? { revisionId: change.to?.revisionId ?? null, cause: change.cause, clusters: [] };
    group.clusters.push({ cluster: change.cluster, digest: change.to?.bundleDigest ?? '' });
    groups.set(key, group);
  }
  return [...groups.values()];
}
