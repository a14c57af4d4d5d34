import { type Health, healthy, progressing } from './health-status';
import { type KubeObject, numberAt, specObserved } from './kube-object';

/** A StatefulSet is healthy when its update revision is rolled out (up to its partition) and every pod is ready. */
export function statefulSetHealth(statefulSet: KubeObject): Health {
  if (!specObserved(statefulSet) || statefulSet.status?.['observedGeneration'] === undefined) {
    return progressing('Waiting for statefulset spec update to be observed...');
  }
  const status = statefulSet.status;
  const wanted = numberAt(statefulSet.spec, 'replicas', 1);
  const ready = numberAt(status, 'readyReplicas');
  if (ready < wanted) return progressing(`Waiting for ${wanted - ready} pods to be ready...`);
  const strategy = statefulSet.spec?.['updateStrategy'] as { type?: string; rollingUpdate?: { partition?: number } } | undefined;
  if (strategy?.type === 'OnDelete') return healthy(`statefulset has ${ready} ready pods`);
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  if (partition > 0) {
    const updated = numberAt(status, 'updatedReplicas');
    if (updated < wanted - partition) return progressing(`Waiting for partitioned roll out to finish: ${updated} out of ${wanted - partition} new pods have been updated...`);
    return healthy(`partitioned roll out complete: ${updated} new pods have been updated...`);
  }
  if (status?.['currentRevision'] !== status?.['updateRevision']) {
    return progressing(`waiting for statefulset rolling update to complete ${numberAt(status, 'updatedReplicas')} pods at revision ${String(status?.['updateRevision'])}...`);
  }
  return healthy(`statefulset rolling update complete ${numberAt(status, 'currentReplicas')} pods at revision ${String(status?.['currentRevision'])}...`);
}
