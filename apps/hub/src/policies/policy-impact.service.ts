import { Injectable } from '@nestjs/common';
import { compilePolicy, evaluate, type KubeObject, type Policy, type Violation } from '@capstan/policy';
import { PolicyEntity, RenderedBundleEntity } from '@capstan/persistence';
import { DataSource, In } from 'typeorm';
import type { AccessScope } from '../auth/access-policy';
import { AccessPolicyService } from '../auth/access-policy.service';
import { clustersWithGroups } from '../groups/group-membership';
import { nextVersion, refusingPolicyErrors } from './policies.service';
import type { PolicyInput } from './policy.dto';

/** Violating objects sharing a namespace or a team, and the clusters they are on. */
export interface ImpactGroup {
  key: string;
  objects: number;
  clusters: number;
}

/** What a draft policy would find across the fleet, grouped as whoever fixes it needs it. */
export interface PolicyImpact {
  policy: Policy;
  /** Clusters with at least one violation, and the violating objects (one per cluster and object). */
  clusters: number;
  objects: number;
  violations: Array<Violation & { cluster: string }>;
  byNamespace: ImpactGroup[];
  /** By the value of the objects' `teamLabel` label (`''` when they have none). */
  byTeam: ImpactGroup[];
}

/**
 * `policyImpact`: evaluates a policy — new, or a new version of one (fields left out keep their
 * value) — against what every cluster should run now (all its applications' bundles in force),
 * changing nothing. Clusters running the same bundles are judged once.
 */
@Injectable()
export class PolicyImpactService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessPolicyService,
  ) {}

  async impact(input: PolicyInput, teamLabel: string, scope: AccessScope): Promise<PolicyImpact> {
    const policy = nextVersion(await this.dataSource.getRepository(PolicyEntity).findOneBy({ name: input.name }), input);
    const compiled = refusingPolicyErrors('input', () => compilePolicy(policy));
    const digestsByCluster = await this.bundlesInForce(scope);
    const clusters = await clustersWithGroups(this.dataSource.manager, [...digestsByCluster.keys()]);
    const bundles = await this.bundles(new Set([...digestsByCluster.values()].flat()));
    const now = Date.now();
    const judged = new Map<string, Violation[]>();
    const violations: PolicyImpact['violations'] = [];
    const teamOf = new Map<string, string>();
    for (const cluster of clusters) {
      if (!compiled.scope.includesCluster(cluster)) continue;
      const digests = digestsByCluster.get(cluster.name) ?? [];
      const key = digests.join(',');
      let found = judged.get(key);
      if (!found) {
        const objects = digests.flatMap((digest) => bundles.get(digest) ?? []);
        for (const object of objects) teamOf.set(objectKey(object), object.metadata?.labels?.[teamLabel] ?? '');
        found = evaluate(compiled, { objects, cluster, now });
        judged.set(key, found);
      }
      for (const violation of found) violations.push({ ...violation, cluster: cluster.name });
    }
    const violating = new Map<string, { cluster: string; namespace: string; team: string }>();
    for (const violation of violations) {
      const subject = violation.object;
      const key = `${subject.apiVersion}/${subject.kind}/${subject.namespace}/${subject.name}`;
      violating.set(`${violation.cluster}|${key}`, { cluster: violation.cluster, namespace: subject.namespace, team: teamOf.get(key) ?? '' });
    }
    const objects = [...violating.values()];
    return {
      policy,
      clusters: new Set(objects.map((object) => object.cluster)).size,
      objects: objects.length,
      violations,
      byNamespace: grouped(objects, (object) => object.namespace),
      byTeam: grouped(objects, (object) => object.team),
    };
  }

  /** Each cluster the caller may see → the digests of the bundles it should run now, sorted. */
  private async bundlesInForce(scope: AccessScope): Promise<Map<string, string[]>> {
    const rows: Array<{ name: string; bundle_digest: string }> = await this.dataSource.query(
      `SELECT cluster.name, desired.bundle_digest FROM desired_states desired JOIN clusters cluster ON cluster.id = desired.cluster_id ORDER BY cluster.name, desired.bundle_digest`,
    );
    const visible = scope.restricted ? await this.access.visibleClusterNames(scope) : null;
    const byCluster = new Map<string, string[]>();
    for (const row of rows) {
      if (visible && !visible.has(row.name)) continue;
      byCluster.set(row.name, [...(byCluster.get(row.name) ?? []), row.bundle_digest]);
    }
    return byCluster;
  }

  private async bundles(digests: ReadonlySet<string>): Promise<Map<string, KubeObject[]>> {
    const bundles = new Map<string, KubeObject[]>();
    const all = [...digests];
    for (let start = 0; start < all.length; start += 200) {
      const rows = await this.dataSource.getRepository(RenderedBundleEntity).find({ where: { digest: In(all.slice(start, start + 200)) } });
      for (const row of rows) bundles.set(row.digest, row.objects as KubeObject[]);
    }
    return bundles;
  }
}

function objectKey(object: KubeObject): string {
  return `${object.apiVersion ?? ''}/${object.kind ?? ''}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`;
}

/** Counts of violating objects and of clusters per key, largest first. */
function grouped<T extends { cluster: string }>(objects: readonly T[], keyOf: (object: T) => string): ImpactGroup[] {
  const groups = new Map<string, { objects: number; clusters: Set<string> }>();
  for (const object of objects) {
    const group = groups.get(keyOf(object)) ?? { objects: 0, clusters: new Set<string>() };
    group.objects++;
    group.clusters.add(object.cluster);
    groups.set(keyOf(object), group);
  }
  return [...groups.entries()].map(([key, group]) => ({ key, objects: group.objects, clusters: group.clusters.size })).sort((a, b) => b.objects - a.objects || a.key.localeCompare(b.key));
}
