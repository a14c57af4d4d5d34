import { Injectable } from '@nestjs/common';
import type { JsonObject } from '@capstan/manifest';
import { evaluate, type KubeObject } from '@capstan/policy';
import type { RevisionPolicyViolation } from '@capstan/persistence';
import type { EntityManager } from 'typeorm';
import { FleetEventsService } from '../events/fleet-events.service';
import { clustersWithGroups } from '../groups/group-membership';
import { PoliciesService } from './policies.service';

/** The clusters, sorted, that violations under `enforce` kept a revision from. */
export function clustersBlocked(violations: readonly RevisionPolicyViolation[]): string[] {
  return [...new Set(violations.filter((violation) => violation.mode === 'enforce').map((violation) => violation.cluster))].sort();
}

/** What the policies in force say of bundles rendered for clusters. */
export interface PolicyJudgement {
  /** Cluster → digest, for the clusters no `enforce` policy keeps the bundle from. */
  shippable: Record<string, string>;
  /** Clusters an `enforce` policy keeps the bundle from: they keep what they run. */
  blocked: string[];
  /** Every violation found, under each mode, by cluster. */
  violations: RevisionPolicyViolation[];
  /** Cluster name → id, of the clusters judged. */
  clusterIds: ReadonlyMap<string, string>;
}

/**
 * Policy before apply: judges each cluster's rendered bundle with the policies in force for it, in
 * the mode each holds there (a policy rollout may hold it in audit). A bundle is judged once per policy however many clusters share it
 * (a violation names the object, not the cluster).
 */
@Injectable()
export class PolicyGate {
  constructor(
    private readonly policies: PoliciesService,
    private readonly events: FleetEventsService,
  ) {}

  async judge(manager: EntityManager, clusterDigests: Record<string, string>, bundles: ReadonlyMap<string, JsonObject[]>): Promise<PolicyJudgement> {
    const clusters = await clustersWithGroups(manager, Object.keys(clusterDigests));
    const inForce = await this.policies.inForceFor(manager, clusters);
    if ([...inForce.values()].every((policies) => policies.length === 0)) return { shippable: { ...clusterDigests }, blocked: [], violations: [], clusterIds: new Map() };
    const now = Date.now();
    const found = new Map<string, ReturnType<typeof evaluate>>();
    const shippable: Record<string, string> = {};
    const blocked: string[] = [];
    const violations: RevisionPolicyViolation[] = [];
    for (const cluster of clusters) {
      const digest = clusterDigests[cluster.name];
      let blocks = false;
      for (const { entity, version, definition, compiled } of inForce.get(cluster.name) ?? []) {
        const key = `${entity.id}@${version}|${digest}`;
        let policyViolations = found.get(key);
        if (!policyViolations) {
          policyViolations = evaluate(compiled, { objects: (bundles.get(digest) ?? []) as KubeObject[], cluster, now });
          found.set(key, policyViolations);
        }
        if (policyViolations.length > 0 && definition.mode === 'enforce') blocks = true;
        for (const violation of policyViolations) violations.push({ ...violation, cluster: cluster.name, policyVersion: version, mode: definition.mode });
      }
      if (blocks) blocked.push(cluster.name);
      else shippable[cluster.name] = digest;
    }
    return { shippable, blocked, violations, clusterIds: new Map(clusters.map((cluster) => [cluster.name, cluster.id])) };
  }

  /** Tells of a judgement in the fleet's events: `policy.blocked` for each cluster kept from the revision, `policy.violated` for each it went to with violations. */
  async record(manager: EntityManager, applicationId: string, revision: { id: string; commitSha: string }, judgement: PolicyJudgement): Promise<void> {
    const byCluster = new Map<string, RevisionPolicyViolation[]>();
    for (const violation of judgement.violations) byCluster.set(violation.cluster, [...(byCluster.get(violation.cluster) ?? []), violation]);
    const blocked = new Set(judgement.blocked);
    await this.events.record(
      manager,
      ...[...byCluster].map(([cluster, violations]) => {
        const policies = [...new Set(violations.map((violation) => violation.policy))];
        return {
          type: blocked.has(cluster) ? ('policy.blocked' as const) : ('policy.violated' as const),
          clusterId: judgement.clusterIds.get(cluster) ?? null,
          applicationId,
          subject: policies.join(', '),
          details: { revision: revision.id, commit: revision.commitSha, policies, violations: violations.length, first: violations[0].message },
        };
      }),
    );
  }
}
