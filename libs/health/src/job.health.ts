import { degraded, type Health, healthy, progressing, suspended } from './health-status';
import { findCondition, type KubeObject, numberAt } from './kube-object';

/** A Job is healthy once complete, degraded once failed, suspended while suspended. */
export function jobHealth(job: KubeObject): Health {
  const failed = findCondition(job, 'Failed');
  if (failed?.status === 'True') return degraded(failed.message ?? `job failed: ${failed.reason ?? 'unknown reason'}`);
  const complete = findCondition(job, 'Complete');
  if (complete?.status === 'True') return healthy(complete.message ?? `job completed: ${numberAt(job.status, 'succeeded')} pods succeeded`);
  if (job.spec?.['suspend'] === true) return suspended('job is suspended');
  return progressing(`job is running: ${numberAt(job.status, 'active')} active pods`);
}
