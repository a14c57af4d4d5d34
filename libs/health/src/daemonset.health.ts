import { type Health, healthy, progressing } from './health-status';
import { type KubeObject, numberAt, specObserved } from './kube-object';

/** A DaemonSet is healthy when every node it should run on runs an updated, available pod. */
export function daemonSetHealth(daemonSet: KubeObject): Health {
  if (!specObserved(daemonSet)) return progressing('Waiting for rollout to finish: observed daemon set generation less than desired generation');
  const status = daemonSet.status;
  const desired = numberAt(status, 'desiredNumberScheduled');
  if ((daemonSet.spec?.['updateStrategy'] as { type?: string } | undefined)?.type === 'OnDelete') {
    return healthy(`daemon set ${numberAt(status, 'currentNumberScheduled')} out of ${desired} new pods have been updated`);
  }
  const updated = numberAt(status, 'updatedNumberScheduled');
  if (updated < desired) return progressing(`Waiting for daemon set "${daemonSet.metadata?.name}" rollout to finish: ${updated} out of ${desired} new pods have been updated...`);
  const available = numberAt(status, 'numberAvailable');
  if (available < desired) return progressing(`Waiting for daemon set "${daemonSet.metadata?.name}" rollout to finish: ${available} of ${desired} updated pods are available...`);
  return healthy(`daemon set ${available} of ${desired} pods available`);
}
