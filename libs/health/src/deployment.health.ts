import { degraded, type Health, healthy, progressing, suspended } from './health-status';
import { findCondition, type KubeObject, numberAt, specObserved } from './kube-object';

/** A Deployment is healthy when its latest spec is rolled out and every updated replica is available. */
export function deploymentHealth(deployment: KubeObject): Health {
  if (deployment.spec?.['paused'] === true) return suspended('Deployment is paused');
  if (!specObserved(deployment)) return progressing('Waiting for rollout to finish: observed deployment generation less than desired generation');
  const progressingCondition = findCondition(deployment, 'Progressing');
  if (progressingCondition?.reason === 'ProgressDeadlineExceeded') {
    return degraded(`Deployment "${deployment.metadata?.name}" exceeded its progress deadline`);
  }
  const status = deployment.status;
  const wanted = numberAt(deployment.spec, 'replicas', 1);
  const updated = numberAt(status, 'updatedReplicas');
  const replicas = numberAt(status, 'replicas');
  const available = numberAt(status, 'availableReplicas');
  if (updated < wanted) return progressing(`Waiting for rollout to finish: ${updated} out of ${wanted} new replicas have been updated...`);
  if (replicas > updated) return progressing(`Waiting for rollout to finish: ${replicas - updated} old replicas are pending termination...`);
  if (available < updated) return progressing(`Waiting for rollout to finish: ${available} of ${updated} updated replicas are available...`);
  return healthy(`${available} of ${wanted} replicas available`);
}
