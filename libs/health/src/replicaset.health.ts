import { degraded, type Health, healthy, progressing } from './health-status';
import { findCondition, type KubeObject, numberAt, specObserved } from './kube-object';

/** A ReplicaSet is healthy when all its replicas are available and none failed to be created. */
export function replicaSetHealth(replicaSet: KubeObject): Health {
  if (!specObserved(replicaSet)) return progressing('Waiting for rollout to finish: observed replica set generation less than desired generation');
  const failure = findCondition(replicaSet, 'ReplicaFailure');
  if (failure?.status === 'True') return degraded(failure.message ?? 'replicas could not be created');
  const wanted = numberAt(replicaSet.spec, 'replicas', 1);
  const available = numberAt(replicaSet.status, 'availableReplicas');
  if (available < wanted) return progressing(`Waiting for rollout to finish: ${available} out of ${wanted} new replicas are available...`);
  return healthy(`${available} of ${wanted} replicas available`);
}
