import { ApplicationEntity, ClusterEntity } from '@capstan/persistence';
import type { DataSource } from 'typeorm';
import type { AccessScope, ClusterFacts } from '../auth/access-policy';
import { CapstanException } from '../common/capstan.exception';

/** What a subscription to cluster changes narrows them to: one cluster, one application, both or neither. */
export interface LiveSubjects {
  cluster?: string | null;
  application?: string | null;
}

/**
 * Refuses, when it subscribes, a subscription naming a cluster or an application that does not
 * exist, or a cluster outside the caller's scope (NOT_FOUND, as a query would say).
 */
export async function checkLiveSubjects(dataSource: DataSource, scope: AccessScope, subjects: LiveSubjects): Promise<void> {
  if (subjects.cluster) {
    const cluster = await dataSource.getRepository(ClusterEntity).findOneBy({ name: subjects.cluster });
    if (!cluster || !scope.includesCluster(cluster)) throw CapstanException.notFound('cluster', subjects.cluster);
  }
  if (subjects.application && !(await dataSource.getRepository(ApplicationEntity).existsBy({ name: subjects.application }))) throw CapstanException.notFound('application', subjects.application);
}

/** Whether a change on `cluster` to `application` is one the subscription asked for and the caller may see now. */
export function matchesLiveSubjects(scope: AccessScope, subjects: LiveSubjects, cluster: ClusterFacts | undefined, application: string | undefined): boolean {
  if (!cluster || !scope.includesCluster(cluster)) return false;
  if (subjects.cluster && cluster.name !== subjects.cluster) return false;
  return !subjects.application || application === subjects.application;
}
