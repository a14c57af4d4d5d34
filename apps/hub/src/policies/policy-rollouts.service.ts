import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { PolicyEntity, PolicyRolloutEntity, type RevisionPolicyViolation, type ViolatingObjectRecord } from '@capstan/persistence';
import {
  actOnPolicyRollout,
  finishedPolicyRolloutStates,
  type PolicyClusterObservation,
  policyHeld,
  type PolicyObjectViolation,
  type PolicyRolloutAction,
  type PolicyRolloutRecord,
  type PolicyRolloutStep,
  type PolicyRolloutStrategy,
  RolloutActionError,
  RolloutStrategyError,
  startPolicyRollout,
  stepPolicyRollout,
  supersedePolicyRollout,
  validatePolicyRolloutStrategy,
} from '@capstan/rollout';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { heardFromLately } from '../agent-gateway/agent-instructions';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { CapstanException } from '../common/capstan.exception';
import { type Connection, type PageArgs, paginate } from '../common/pagination';
import { FleetEventsService } from '../events/fleet-events.service';
import { clustersWithGroups } from '../groups/group-membership';
import { PoliciesService } from './policies.service';

/** How often every policy rollout in flight is planned again: agents' verdicts, new bundles and bake times. */
export const policyRolloutTickMs = 1_000;

const activeStates = ['Progressing', 'Paused'] as const;

/** A strategy as the API gives it, checked; errors name the field under `strategy`. */
export function policyRolloutStrategyFrom(strategy: PolicyRolloutStrategy): PolicyRolloutStrategy {
  try {
    validatePolicyRolloutStrategy(strategy);
  } catch (error) {
    if (error instanceof RolloutStrategyError) throw CapstanException.invalid(`strategy.${error.field}`, error.message.slice(error.field.length + 2));
    throw error;
  }
  return JSON.parse(JSON.stringify(strategy)) as PolicyRolloutStrategy;
}

/**
 * Rolls a policy's version out audit → enforce, stage by stage, with libs/rollout planning each
 * step from the rollout's record and what the hub knows of each cluster and the version. What is
 * in force where follows from the policy's latest rollout (`PoliciesService.inForceFor`), so a step
 * only writes the record and its events, and announces the clusters whose policy set changed.
 *
 * A rollout is started by `startPolicyRollout` rather than by a standing strategy on the policy,
 * as applications have: revisions arrive from git on their own, but a policy changes by an admin's
 * hand (or a reviewed commit) and only some changes need staging — tightening a rule, turning it to
 * enforce — while a typo in a description does not. To stage a new version, save it in `audit` and
 * roll it out: the rollout takes it to `enforce`.
 */
@Injectable()
export class PolicyRolloutsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PolicyRolloutsService.name);
  private tick: NodeJS.Timeout | null = null;
  /** The tick's pass in progress, if one is: a slow pass is not overlapped by the next. */
  private stepping: Promise<void> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PoliciesService,
    private readonly audit: AuditService,
    private readonly events: FleetEventsService,
  ) {}

  onApplicationBootstrap(): void {
    this.tick = setInterval(() => {
      this.stepping ??= this.stepAll().finally(() => (this.stepping = null));
    }, policyRolloutTickMs);
    this.tick.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.tick) clearInterval(this.tick);
    await this.stepping;
  }

  /** Starts rolling `version` (the latest saved, which it must be when given) of the policy out, audited. */
  async start(principal: Principal, policyName: string, version: number | null, strategy: PolicyRolloutStrategy, reason: string): Promise<PolicyRolloutEntity> {
    const checked = policyRolloutStrategyFrom(strategy);
    return this.announcing(
      this.audit.change(principal, { action: 'policy.rollout.start', targetType: 'Policy', targetName: policyName, reason }, async (manager) => {
        const policy = await manager.getRepository(PolicyEntity).createQueryBuilder('policy').setLock('pessimistic_write').where('policy.name = :name', { name: policyName }).getOne();
        if (!policy) throw CapstanException.notFound('policy', policyName);
        // Only the latest version can be held by a rollout: an older one would be replaced by the saved one at once.
        if (version !== null && version !== policy.version) throw CapstanException.invalid('version', `policy "${policy.name}" is at version ${policy.version}, not ${version}: only its latest version can be rolled out`);
        const rollouts = manager.getRepository(PolicyRolloutEntity);
        const latest = await rollouts.findOne({ where: { policyId: policy.id }, order: { sequence: 'DESC' } });
        if (latest && !finishedPolicyRolloutStates.has(latest.state)) throw CapstanException.conflict(`policy "${policy.name}" is being rolled out already (policy rollout ${latest.id}): abort it first`);
        // Outside a rollout in flight a policy is held alike everywhere: any cluster's hold is everyone's.
        const previous = policyHeld({ version: policy.version, mode: policy.mode }, latest?.record ?? null, '');
        const compiled = await this.policies.compiledVersion(manager, policy, policy.version);
        const everyCluster: Array<{ name: string }> = await manager.query(`SELECT name FROM clusters`);
        const fleet = await clustersWithGroups(manager, everyCluster.map((cluster) => cluster.name));
        const targets = fleet.filter((cluster) => compiled?.compiled.scope.includesCluster(cluster)).map((cluster) => cluster.name);
        const observations = await this.observe(manager, policy, policy.version, targets);
        const step = startPolicyRollout({ version: policy.version, previous, strategy: checked, fleet, targets, observations, now: Date.now() });
        const entity = rollouts.create({ policyId: policy.id, version: policy.version, state: step.record.state, strategy: checked, record: step.record, startedBy: principal.actor, reason, finishedAt: null });
        await rollouts.save(entity);
        await this.recordEvents(manager, policy, entity, step);
        return { result: entity, summary: { rollout: entity.id, version: policy.version, previous, stages: step.record.stages.map((stage) => stage.name), allowance: checked.allowance ?? 0 } };
      }),
    );
  }

  /** An operator's action on a policy rollout, audited with its reason in the same transaction. */
  async act(principal: Principal, rolloutId: string, action: PolicyRolloutAction): Promise<PolicyRolloutEntity> {
    return this.announcing(
      this.audit.change(principal, { action: `policy.rollout.${action.type}`, targetType: 'PolicyRollout', targetName: rolloutId, reason: action.reason }, async (manager) => {
        const entity = await this.locked(manager, rolloutId);
        if (!entity) throw CapstanException.notFound('policy rollout', rolloutId);
        const policy = await manager.getRepository(PolicyEntity).findOneByOrFail({ id: entity.policyId });
        const latest = await manager.getRepository(PolicyRolloutEntity).findOne({ where: { policyId: policy.id }, order: { sequence: 'DESC' } });
        // A rollout no longer deciding what is in force cannot be acted on: its action would change nothing.
        if (latest?.id !== entity.id || policy.version !== entity.version) {
          throw CapstanException.conflict(`policy rollout ${entity.id} no longer decides policy "${policy.name}": ${latest?.id === entity.id ? `version ${policy.version} was saved since` : `policy rollout ${latest?.id} came after it`}`);
        }
        let step: PolicyRolloutStep;
        try {
          const observations = await this.observe(manager, policy, entity.version, Object.keys(entity.record.clusters));
          step = actOnPolicyRollout({ strategy: entity.strategy, record: entity.record, observations, now: Date.now(), action });
        } catch (error) {
          if (error instanceof RolloutActionError) throw CapstanException.conflict(error.message);
          throw error;
        }
        await this.write(manager, policy, entity, step);
        return { result: entity, summary: { policy: policy.name, version: entity.version, state: entity.state } };
      }),
    );
  }

  /** Plans a policy rollout's next step, from its record and what the hub knows of its clusters now. */
  async step(rolloutId: string): Promise<void> {
    const changed = await this.dataSource.transaction(async (manager) => {
      const entity = await this.locked(manager, rolloutId);
      if (!entity || finishedPolicyRolloutStates.has(entity.state)) return false;
      const policy = await manager.getRepository(PolicyEntity).findOneByOrFail({ id: entity.policyId });
      if (policy.version !== entity.version) return this.write(manager, policy, entity, supersedePolicyRollout(entity.record, Date.now(), `version ${policy.version} of policy "${policy.name}" was saved: it is in force as saved`));
      const observations = await this.observe(manager, policy, entity.version, Object.keys(entity.record.clusters));
      return this.write(manager, policy, entity, stepPolicyRollout({ strategy: entity.strategy, record: entity.record, observations, now: Date.now() }));
    });
    if (changed) await this.policies.announcePolicySets();
  }

  /** Policy rollouts newest first, of one policy and in one state when asked. */
  list(filter: { policy?: string; state?: string }, page: PageArgs): Promise<Connection<PolicyRolloutEntity>> {
    const query = this.dataSource.getRepository(PolicyRolloutEntity).createQueryBuilder('rollout').leftJoinAndSelect('rollout.policy', 'policy');
    if (filter.policy) query.andWhere('policy.name = :policy', { policy: filter.policy });
    if (filter.state) query.andWhere('rollout.state = :state', { state: filter.state });
    return paginate(query, page, { column: 'rollout.sequence', direction: 'DESC', key: (rollout) => rollout.sequence, integer: true }, (rollout) => rollout);
  }

  async get(id: string): Promise<PolicyRolloutEntity> {
    const rollout = await this.dataSource.getRepository(PolicyRolloutEntity).findOne({ where: { id }, relations: { policy: true } });
    if (!rollout) throw CapstanException.notFound('policy rollout', id);
    return rollout;
  }

  private async stepAll(): Promise<void> {
    try {
      const rows: Array<{ id: string }> = await this.dataSource.query(`SELECT id FROM policy_rollouts WHERE state = ANY($1) ORDER BY sequence`, [[...activeStates]]);
      for (const { id } of rows) await this.step(id).catch((error: unknown) => this.logger.warn(`policy rollout ${id} could not be stepped: ${error instanceof Error ? error.message : String(error)}`));
    } catch (error) {
      this.logger.warn(`policy rollouts could not be stepped: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private locked(manager: EntityManager, rolloutId: string): Promise<PolicyRolloutEntity | null> {
    return manager.getRepository(PolicyRolloutEntity).createQueryBuilder('rollout').setLock('pessimistic_write').where('rollout.id = :id', { id: rolloutId }).getOne();
  }

  /** Writes what a step decided: the record and its events, unless nothing changed. Returns whether what clusters hold changed. */
  private async write(manager: EntityManager, policy: PolicyEntity, entity: PolicyRolloutEntity, step: PolicyRolloutStep): Promise<boolean> {
    if (step.events.length === 0 && JSON.stringify(step.record) === JSON.stringify(entity.record)) return false;
    const changed = holdsChanged(entity.record, step.record);
    Object.assign(entity, { record: step.record, state: step.record.state, finishedAt: step.record.finishedAt === null ? null : new Date(step.record.finishedAt) });
    // TypeORM's partial-entity type cannot follow the record's recursive JSON; the fields are whole.
    await manager.getRepository(PolicyRolloutEntity).update({ id: entity.id }, { record: entity.record, state: entity.state, finishedAt: entity.finishedAt } as unknown as QueryDeepPartialEntity<PolicyRolloutEntity>);
    await this.recordEvents(manager, policy, entity, step);
    return changed;
  }

  private recordEvents(manager: EntityManager, policy: PolicyEntity, entity: PolicyRolloutEntity, step: PolicyRolloutStep): Promise<void> {
    return this.events.record(
      manager,
      ...step.events.map((event) => ({
        type: event.type,
        clusterId: null,
        policyRolloutId: entity.id,
        subject: policy.name,
        details: { policy: policy.name, version: entity.version, ...(event.stage ? { stage: event.stage } : {}), ...(event.reason ? { reason: event.reason } : {}) },
      })),
    );
  }

  /**
   * What the hub knows of these clusters and the version. A cluster's violations are both what is
   * known of it: the render-time violations of the bundles its desired states name (recorded on
   * their revisions by PolicyGate, for this version), and the live objects its agent reports
   * violating it (`compliance_states`) — an object found by both counts once. It is judged once its
   * agent, connected, has reported on the version: bundles alone do not show what else runs there.
   */
  private async observe(manager: EntityManager, policy: PolicyEntity, version: number, clusterNames: readonly string[]): Promise<Map<string, PolicyClusterObservation>> {
    // One after the other: a transaction's queries share one connection.
    const live: Array<{ name: string; last_seen_at: Date | string | null; policy_version: number | null; violating: ViolatingObjectRecord[] | null }> = await manager.query(
      `SELECT cluster.name, cluster.last_seen_at, state.policy_version, state.violating
       FROM clusters cluster LEFT JOIN compliance_states state ON state.cluster_id = cluster.id AND state.policy_id = $1
       WHERE cluster.name = ANY($2)`,
      [policy.id, [...clusterNames]],
    );
    const rendered: Array<{ name: string; violation: RevisionPolicyViolation }> = await manager.query(
      `SELECT cluster.name, violation
       FROM desired_states desired
       JOIN clusters cluster ON cluster.id = desired.cluster_id
       JOIN revisions revision ON revision.id = desired.revision_id
       CROSS JOIN LATERAL jsonb_array_elements(revision.policy_violations) violation
       WHERE cluster.name = ANY($1) AND violation->>'cluster' = cluster.name AND violation->>'policy' = $2 AND (violation->>'policyVersion')::int = $3`,
      [[...clusterNames], policy.name, version],
    );
    const found = new Map<string, Map<string, PolicyObjectViolation>>();
    const add = (cluster: string, violation: PolicyObjectViolation) => {
      const byKey = found.get(cluster) ?? new Map<string, PolicyObjectViolation>();
      byKey.set(`${violation.kind}/${violation.namespace}/${violation.name}|${violation.rule}`, violation);
      found.set(cluster, byKey);
    };
    for (const { name, violation } of rendered) add(name, { kind: violation.object.kind, namespace: violation.object.namespace, name: violation.object.name, rule: violation.rule, message: violation.message });
    const now = Date.now();
    const judged = new Set<string>();
    for (const row of live) {
      if (row.policy_version !== version) continue;
      if (heardFromLately(row.last_seen_at, now)) judged.add(row.name);
      for (const record of row.violating ?? []) for (const violation of record.violations) add(row.name, { kind: record.object.kind, namespace: record.object.namespace, name: record.object.name, rule: violation.rule, message: violation.message });
    }
    return new Map(clusterNames.map((cluster) => [cluster, { cluster, judged: judged.has(cluster), violations: [...(found.get(cluster)?.values() ?? [])] }]));
  }

  /** Once committed, agents get their policy sets again. */
  private async announcing<T>(change: Promise<T>): Promise<T> {
    const result = await change;
    await this.policies.announcePolicySets();
    return result;
  }
}

/** Whether a step changed what any cluster holds: the rollout's state, or a cluster's phase. */
function holdsChanged(before: PolicyRolloutRecord, after: PolicyRolloutRecord): boolean {
  return before.state !== after.state || Object.values(after.clusters).some((cluster) => before.clusters[cluster.cluster]?.phase !== cluster.phase);
}
