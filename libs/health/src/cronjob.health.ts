import { degraded, type Health, healthy, suspended } from './health-status';
import type { KubeObject } from './kube-object';

/** A CronJob is suspended when told so, degraded when its last scheduled run did not succeed and none is running. */
export function cronJobHealth(cronJob: KubeObject): Health {
  if (cronJob.spec?.['suspend'] === true) return suspended('cron job is suspended');
  const lastSchedule = cronJob.status?.['lastScheduleTime'];
  const lastSuccess = cronJob.status?.['lastSuccessfulTime'];
  const active = (cronJob.status?.['active'] as unknown[] | undefined) ?? [];
  if (typeof lastSchedule === 'string' && active.length === 0 && (typeof lastSuccess !== 'string' || Date.parse(lastSuccess) < Date.parse(lastSchedule))) {
    return degraded(`the job scheduled at ${lastSchedule} did not succeed`);
  }
  return healthy(typeof lastSchedule === 'string' ? `last scheduled at ${lastSchedule}` : 'not scheduled yet');
}
