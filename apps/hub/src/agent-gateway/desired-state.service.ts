import { Injectable } from '@nestjs/common';
import { ApplicationEntity, type ClusterEntity, RevisionEntity } from '@capstan/persistence';
import { type HealPolicy, type IgnoreRule } from '@capstan/vocabulary';
import { DataSource } from 'typeorm';
import { groupContainsCluster } from '../groups/group-membership';

/** What one cluster should run of one application now. */
export interface ApplicationDesiredState {
  application: string;
  revisionId: string;
  commitSha: string;
  bundleDigest: string;
  prune: boolean;
  healPolicy: HealPolicy;
  /** The application's ignore rules, then its group's. */
  ignoreRules: IgnoreRule[];
}

/**
 * Derives each cluster's desired state from the applications' revisions in force: a cluster runs
 * an application when the current revision rendered a bundle for it.
 */
@Injectable()
export class DesiredStateService {
  constructor(private readonly dataSource: DataSource) {}

  async forCluster(cluster: ClusterEntity): Promise<ApplicationDesiredState[]> {
    const applications = await this.dataSource
      .getRepository(ApplicationEntity)
      .createQueryBuilder('app')
      .innerJoinAndMapOne('app.currentRevision', RevisionEntity, 'revision', 'revision.id = app.current_revision_id')
      .leftJoinAndSelect('app.targets', 'target')
      .leftJoinAndSelect('target.group', 'grp')
      .where('revision.cluster_digests ? :cluster', { cluster: cluster.name })
      .orderBy('app.name')
      .getMany();
    return applications.map((application) => {
      const revision = application.currentRevision as RevisionEntity;
      // A group may override its applications' heal policy.
      const group = application.targets?.find((target) => target.group && groupContainsCluster(target.group, cluster))?.group;
      return {
        application: application.name,
        revisionId: revision.id,
        commitSha: revision.commitSha,
        bundleDigest: revision.clusterDigests[cluster.name],
        prune: application.prune,
        healPolicy: group?.healPolicy ?? application.healPolicy,
        ignoreRules: [...(application.ignoreRules ?? []), ...(group?.ignoreRules ?? [])],
      };
    });
  }

  /** Whether `digest` is a bundle the cluster should run: agents may fetch only those. */
  async bundleAssigned(cluster: ClusterEntity, digest: string): Promise<boolean> {
    return (await this.forCluster(cluster)).some((state) => state.bundleDigest === digest);
  }
}
