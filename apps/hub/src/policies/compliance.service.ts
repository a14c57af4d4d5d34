import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { canonicalJson, formatIdentity, type JsonValue } from '@capstan/manifest';
import { ClusterEntity, ComplianceStateEntity, ComplianceTransitionEntity, PolicyEntity, type ViolatingObjectRecord } from '@capstan/persistence';
import type { ComplianceEntry, ComplianceReport } from '@capstan/proto';
import type { ComplianceState, ComplianceViolation, ObjectRef } from '@capstan/vocabulary';
import { DataSource, type EntityManager } from 'typeorm';
import { heardFromLately } from '../agent-gateway/agent-instructions';
import type { AccessScope } from '../auth/access-policy';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';
import { FleetEventsService } from '../events/fleet-events.service';
import { clustersWithGroups, groupContainsCluster } from '../groups/group-membership';
import { GroupsService } from '../groups/groups.service';
import { LiveChanges } from '../live/live-changes';
import { PoliciesService, type PolicyInForce } from './policies.service';

/** The policies in force for one cluster, as its agent gets them. */
export interface PolicySetForCluster {
  digest: string;
  policies: Array<{ name: string; version: number; mode: string; definitionJson: string }>;
  clusterLabels: Record<string, string>;
  clusterGroups: string[];
}

/** Where one cluster stands with one policy in force there. */
export interface ComplianceView {
  clusterId: string;
  cluster: string;
  /** What the caller's scope decides by. */
  clusterLabels: Record<string, string>;
  policyId: string;
  policy: string;
  /** The version in force there. */
  policyVersion: number;
  state: ComplianceState;
  /** When its agent last told of it; null before it judged this version. */
  judgedAt: Date | null;
  violating: ViolatingObjectRecord[];
}

export interface ComplianceFilter {
  cluster?: string | null;
  group?: string | null;
  policy?: string | null;
}

const objectKey = (object: ObjectRef) => `${object.group}|${formatIdentity(object)}`;
/** A live-change key: one (cluster, policy). */
const liveKey = (clusterId: string, policy: string) => `${clusterId}|${policy}`;

/**
 * Compliance of live clusters with the policies in force: the policy set each agent evaluates,
 * what agents report of it (an append-only log of transitions and the current state per
 * (cluster, policy)), and reads for the API. Unknown is derived: an agent not heard from lately,
 * or one that has not judged the version in force.
 */
@Injectable()
export class ComplianceService {
  private readonly logger = new Logger(ComplianceService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly policies: PoliciesService,
    private readonly groups: GroupsService,
    private readonly events: FleetEventsService,
    private readonly live: LiveChanges,
  ) {
    live.register<ComplianceView>('compliance', (keys) => this.changedViews(keys));
  }

  /** The policies in force for the cluster now, each at its version and in its mode there, with what the scope judged it by; the digest says whether any of it changed. */
  async policySetFor(cluster: ClusterEntity): Promise<PolicySetForCluster> {
    const [facts] = await clustersWithGroups(this.dataSource.manager, [cluster.name]);
    const inForce = facts ? ((await this.policies.inForceFor(this.dataSource.manager, [facts])).get(facts.name) ?? []) : [];
    const policies = inForce.map(({ entity, version, definition }) => ({ name: entity.name, version, mode: definition.mode, definitionJson: canonicalJson(definition as unknown as JsonValue) }));
    const clusterLabels = facts?.labels ?? {};
    const clusterGroups = facts?.groups ?? [];
    // No policies is the empty digest, what an agent that never had any holds: nothing is sent to it.
    const digest = policies.length === 0 ? '' : createHash('sha256').update(canonicalJson({ policies, clusterLabels, clusterGroups } as unknown as JsonValue)).digest('hex');
    return { digest, policies, clusterLabels, clusterGroups };
  }

  /**
   * Takes in an agent's report: policies judged whole replace what was known of them; changes
   * apply to the version judged whole before. What names a policy not in force, or another
   * version, is stale or wrong: left out, with a line at info.
   */
  async record(cluster: ClusterEntity, report: ComplianceReport): Promise<void> {
    const at = report.observedAtUnixMs > 0n ? new Date(Number(report.observedAtUnixMs)) : new Date();
    const complete = new Map(report.complete.map((policy) => [policy.name, policy.version]));
    const byPolicy = new Map<string, ComplianceEntry[]>();
    for (const entry of report.entries) {
      if (!entry.object || !entry.object.kind || !entry.object.name) {
        this.logger.log(`cluster ${cluster.name}: ignored a compliance entry of policy "${entry.policy}" that names no object`);
        continue;
      }
      byPolicy.set(entry.policy, [...(byPolicy.get(entry.policy) ?? []), entry]);
    }
    const [facts] = await clustersWithGroups(this.dataSource.manager, [cluster.name]);
    const inForce = new Map((facts ? ((await this.policies.inForceFor(this.dataSource.manager, [facts])).get(facts.name) ?? []) : []).map((policy) => [policy.entity.name, policy]));
    const changed: string[] = [];
    await this.dataSource.transaction(async (manager) => {
      for (const name of new Set([...complete.keys(), ...byPolicy.keys()])) {
        const entries = byPolicy.get(name) ?? [];
        const version = complete.get(name) ?? entries[0]?.policyVersion ?? 0;
        const policy = inForce.get(name);
        if (!policy || policy.version !== version || entries.some((entry) => entry.policyVersion !== version)) {
          this.logger.log(`cluster ${cluster.name}: ignored compliance of policy "${name}" version ${version}, which is not in force there`);
          continue;
        }
        if (await this.apply(manager, cluster, policy, complete.has(name), entries, at)) changed.push(liveKey(cluster.id, policy.entity.id));
      }
    });
    for (const key of changed) this.live.changed('compliance', key);
  }

  /** Where each cluster (in scope, of the cluster or group named) stands with each policy (or the one named) in force there. */
  async list(filter: ComplianceFilter, scope: AccessScope): Promise<ComplianceView[]> {
    if (filter.policy && !(await this.dataSource.getRepository(PolicyEntity).existsBy({ name: filter.policy }))) throw CapstanException.notFound('policy', filter.policy);
    const group = filter.group ? await this.groupInScope(filter.group, scope) : undefined;
    const query = this.dataSource.getRepository(ClusterEntity).createQueryBuilder('cluster');
    const inScope = scope.clusterCondition('cluster');
    query.where(inScope.sql, inScope.parameters).orderBy('cluster.name', 'ASC');
    if (filter.cluster) query.andWhere('cluster.name = :name', { name: filter.cluster });
    const clusters = (await query.getMany()).filter((cluster) => !group || groupContainsCluster(group, cluster));
    if (filter.cluster && clusters.length === 0 && !group) throw CapstanException.notFound('cluster', filter.cluster);
    return this.views(clusters, (policy) => !filter.policy || policy.name === filter.policy);
  }

  /** The transitions of one cluster's objects under one policy, newest first. */
  history(clusterId: string, policy: string, page: PageArgs) {
    const query = this.dataSource.getRepository(ComplianceTransitionEntity).createQueryBuilder('transition').where('transition.cluster_id = :clusterId AND transition.policy = :policy', { clusterId, policy });
    return paginate(query, page, { column: 'transition.id', direction: 'DESC', key: (transition) => transition.id, integer: true }, (transition) => transition);
  }

  private async groupInScope(name: string, scope: AccessScope) {
    if (!scope.includesGroup(name)) throw CapstanException.notFound('cluster group', name);
    return this.groups.get(name);
  }

  /**
   * Applies one policy's part of a report to its state row (locked), appending a transition per
   * object whose compliance changed and an event when the cluster's state with the policy did.
   * Returns whether anything changed.
   */
  private async apply(manager: EntityManager, cluster: ClusterEntity, { entity: policy, version }: PolicyInForce, complete: boolean, entries: readonly ComplianceEntry[], at: Date): Promise<boolean> {
    const states = manager.getRepository(ComplianceStateEntity);
    const state = await states.createQueryBuilder('state').setLock('pessimistic_write').where('state.cluster_id = :clusterId AND state.policy_id = :policyId', { clusterId: cluster.id, policyId: policy.id }).getOne();
    if (!complete && state?.policyVersion !== version) {
      // Changes only make sense against the version judged whole before them.
      this.logger.log(`cluster ${cluster.name}: ignored compliance changes of policy "${policy.name}" version ${version}, not judged whole yet`);
      return false;
    }
    // Judged whole at a new version, objects still violating stay so since they first did.
    const before = new Map((state?.violating ?? []).map((record) => [objectKey(record.object), record]));
    const after = complete ? new Map<string, ViolatingObjectRecord>() : new Map(before);
    for (const entry of entries) {
      const object = entry.object as ObjectRef;
      const key = objectKey(object);
      if (entry.compliant) after.delete(key);
      else after.set(key, { object: { group: object.group, version: object.version, kind: object.kind, namespace: object.namespace, name: object.name }, violations: entry.violations.map(toViolation), since: before.get(key)?.since ?? at.toISOString() });
    }
    const transitions: ComplianceTransitionEntity[] = [];
    const transition = (record: ViolatingObjectRecord, compliant: boolean) =>
      transitions.push(manager.getRepository(ComplianceTransitionEntity).create({ clusterId: cluster.id, policy: policy.name, policyVersion: version, kind: record.object.kind, namespace: record.object.namespace, name: record.object.name, compliant, violations: compliant ? [] : record.violations, at }));
    for (const [key, record] of before) if (!after.has(key)) transition(record, true);
    for (const [key, record] of after) if (!before.has(key)) transition(record, false);
    const violating = [...after.values()];
    const unchanged = state !== null && state.policyVersion === version && canonicalJson(state.violating as unknown as JsonValue) === canonicalJson(violating as unknown as JsonValue);
    if (unchanged) return false;
    await states.save({ ...(state ?? { clusterId: cluster.id, policyId: policy.id }), policyVersion: version, violating, updatedAt: at });
    if (transitions.length > 0) await manager.getRepository(ComplianceTransitionEntity).save(transitions);
    const wasNonCompliant = (state?.violating.length ?? 0) > 0;
    const isNonCompliant = violating.length > 0;
    // A state first judged compliant is no news; becoming non-compliant, or compliant again, is.
    if (wasNonCompliant !== isNonCompliant) {
      await this.events.record(manager, {
        type: isNonCompliant ? 'policy.noncompliant' : 'policy.compliant',
        clusterId: cluster.id,
        subject: policy.name,
        occurredAt: at,
        details: { policy: policy.name, policyVersion: version, objects: violating.length, ...(isNonCompliant ? { first: violating[0].violations[0]?.message ?? '' } : {}) },
      });
    }
    return true;
  }

  private async views(clusters: readonly ClusterEntity[], wanted: (policy: PolicyEntity) => boolean): Promise<ComplianceView[]> {
    if (clusters.length === 0) return [];
    const facts = await clustersWithGroups(this.dataSource.manager, clusters.map((cluster) => cluster.name));
    const inForce = await this.policies.inForceFor(this.dataSource.manager, facts);
    const policyIds = [...new Set([...inForce.values()].flat().map(({ entity }) => entity.id))];
    if (policyIds.length === 0) return [];
    const states = await this.dataSource
      .getRepository(ComplianceStateEntity)
      .createQueryBuilder('state')
      .where('state.cluster_id = ANY(:clusters) AND state.policy_id = ANY(:policies)', { clusters: clusters.map((cluster) => cluster.id), policies: policyIds })
      .getMany();
    const stateOf = new Map(states.map((state) => [`${state.clusterId}|${state.policyId}`, state]));
    return clusters.flatMap((cluster) =>
      (inForce.get(cluster.name) ?? []).flatMap(({ entity, version }) => {
        if (!wanted(entity)) return [];
        const state = stateOf.get(`${cluster.id}|${entity.id}`);
        const judged = state?.policyVersion === version ? state : undefined;
        const compliance: ComplianceState = !heardFromLately(cluster.lastSeenAt) || !judged ? 'Unknown' : judged.violating.length > 0 ? 'NonCompliant' : 'Compliant';
        return [{ clusterId: cluster.id, cluster: cluster.name, clusterLabels: cluster.labels, policyId: entity.id, policy: entity.name, policyVersion: version, state: compliance, judgedAt: judged?.updatedAt ?? null, violating: judged?.violating ?? [] }];
      }),
    );
  }

  /** The views of the (cluster, policy) pairs announced, for subscribers. */
  private async changedViews(keys: readonly string[]): Promise<ComplianceView[]> {
    const pairs = keys.map((key) => key.split('|'));
    const clusters = await this.dataSource.getRepository(ClusterEntity).createQueryBuilder('cluster').where('cluster.id = ANY(:ids)', { ids: [...new Set(pairs.map(([clusterId]) => clusterId))] }).getMany();
    const policyIds = new Set(pairs.map(([, policyId]) => policyId));
    const wanted = new Set(keys);
    return (await this.views(clusters, (policy) => policyIds.has(policy.id))).filter((view) => wanted.has(liveKey(view.clusterId, view.policyId)));
  }
}

function toViolation(finding: { rule: string; fieldPath: string; message: string }): ComplianceViolation {
  return { rule: finding.rule, fieldPath: finding.fieldPath, message: finding.message };
}
