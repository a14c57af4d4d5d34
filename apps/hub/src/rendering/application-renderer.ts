import { posix } from 'node:path';
import { Injectable } from '@nestjs/common';
import type { JsonObject } from '@capstan/manifest';
import type { ApplicationEntity, ApplicationTargetEntity, ClusterEntity, SourceEntity } from '@capstan/persistence';
import { type RenderedBundle, renderForCluster, renderOverlay } from '@capstan/render';
import { CapstanException } from '../common/capstan.exception';
import { groupContainsCluster } from '../groups/group-membership';
import { GroupsService } from '../groups/groups.service';
import { NodeRenderFs } from '@capstan/render-node';

/** An application rendered for every cluster its targets reach. */
export interface RenderedApplication {
  /** Cluster name → bundle digest. */
  clusterDigests: Record<string, string>;
  /** Distinct bundles by digest: 10,000 clusters in 5 groups without per-cluster variables are 5. */
  bundles: Map<string, JsonObject[]>;
}

/** A cluster is in two groups that both target the application: a matter of placement, which may change without a commit. */
export class PlacementConflictError extends Error {}

/** Where a target's manifests are in the repository: its overlay, or the application's base without one. */
function targetDirectory(source: SourceEntity, application: ApplicationEntity, target: ApplicationTargetEntity): string {
  return posix.join(source.path || '.', target.overlayPath || application.basePath);
}

/**
 * Renders an application from a checked-out commit: each target's overlay once (kustomize), then
 * per cluster only its variables (`${cluster.name}`, `${cluster.labels.x}`, `${var.x}` from the
 * group, overridden by the target) are substituted and digested.
 */
@Injectable()
export class ApplicationRenderer {
  constructor(private readonly groups: GroupsService) {}

  /** Renders for every targeted cluster; throws the first render error, naming file and field. */
  async render(application: ApplicationEntity, source: SourceEntity, tree: string): Promise<RenderedApplication> {
    const fs = new NodeRenderFs(tree);
    const clusterDigests: Record<string, string> = {};
    const targetOf: Record<string, string> = {};
    const bundles = new Map<string, JsonObject[]>();
    const targets = [...(application.targets ?? [])].sort((a, b) => (a.group?.name ?? '').localeCompare(b.group?.name ?? ''));
    for (const target of targets) {
      const group = target.group;
      if (!group) throw new Error(`target ${target.id} of application ${application.name} has no group loaded`);
      const template = renderOverlay(fs, targetDirectory(source, application, target));
      const vars = { ...group.variables, ...target.variables };
      for (const cluster of await this.groups.matchingClustersQuery(group).getMany()) {
        if (targetOf[cluster.name]) {
          throw new PlacementConflictError(`cluster ${cluster.name} is in groups ${targetOf[cluster.name]} and ${group.name}, which both target application ${application.name}: it can run only one`);
        }
        targetOf[cluster.name] = group.name;
        const bundle = renderForCluster(template, { name: cluster.name, labels: cluster.labels, vars });
        clusterDigests[cluster.name] = bundle.digest;
        if (!bundles.has(bundle.digest)) bundles.set(bundle.digest, bundle.objects);
      }
    }
    return { clusterDigests, bundles };
  }

  /** The bundle one cluster would get from this tree, for previews. */
  async renderCluster(application: ApplicationEntity, source: SourceEntity, tree: string, cluster: ClusterEntity): Promise<RenderedBundle> {
    const target = (application.targets ?? []).find((candidate) => candidate.group && groupContainsCluster(candidate.group, cluster));
    if (!target?.group) throw CapstanException.invalid('cluster', `cluster ${cluster.name} is in no group that application ${application.name} targets`);
    const template = renderOverlay(new NodeRenderFs(tree), targetDirectory(source, application, target));
    return renderForCluster(template, { name: cluster.name, labels: cluster.labels, vars: { ...target.group.variables, ...target.variables } });
  }
}
