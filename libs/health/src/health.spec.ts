import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { healthOf } from './health';
import { HealthStatus, worstHealth } from './health-status';
import type { KubeObject } from './kube-object';

const fixtures = join(__dirname, '__fixtures__');
const fixture = (name: string): KubeObject => parse(readFileSync(join(fixtures, name), 'utf8'));

const expectations: Record<string, [HealthStatus, string | RegExp]> = {
  'deployment-healthy.yaml': [HealthStatus.Healthy, '3 of 3 replicas available'],
  'deployment-rolling.yaml': [HealthStatus.Progressing, 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...'],
  'deployment-old-replicas.yaml': [HealthStatus.Progressing, 'Waiting for rollout to finish: 1 old replicas are pending termination...'],
  'deployment-unavailable.yaml': [HealthStatus.Progressing, 'Waiting for rollout to finish: 1 of 3 updated replicas are available...'],
  'deployment-not-observed.yaml': [HealthStatus.Progressing, /observed deployment generation less than desired/],
  'deployment-deadline-exceeded.yaml': [HealthStatus.Degraded, 'Deployment "web" exceeded its progress deadline'],
  'deployment-paused.yaml': [HealthStatus.Suspended, 'Deployment is paused'],
  'statefulset-healthy.yaml': [HealthStatus.Healthy, /rolling update complete 3 pods at revision db-5f4/],
  'statefulset-not-ready.yaml': [HealthStatus.Progressing, 'Waiting for 2 pods to be ready...'],
  'statefulset-updating.yaml': [HealthStatus.Progressing, /rolling update to complete 1 pods at revision db-6a1/],
  'statefulset-partitioned.yaml': [HealthStatus.Healthy, /partitioned roll out complete/],
  'daemonset-healthy.yaml': [HealthStatus.Healthy, 'daemon set 5 of 5 pods available'],
  'daemonset-rolling.yaml': [HealthStatus.Progressing, /2 out of 5 new pods have been updated/],
  'replicaset-failure.yaml': [HealthStatus.Degraded, /exceeded quota/],
  'replicaset-healthy.yaml': [HealthStatus.Healthy, '2 of 2 replicas available'],
  'pod-running.yaml': [HealthStatus.Healthy, 'all containers are ready'],
  'pod-crashloop.yaml': [HealthStatus.Degraded, /container web: CrashLoopBackOff: back-off/],
  'pod-image-pull.yaml': [HealthStatus.Degraded, /ImagePullBackOff: Back-off pulling image "shop\/web:nope"/],
  'pod-failed.yaml': [HealthStatus.Degraded, 'container migrate exited with 3 (Error)'],
  'job-complete.yaml': [HealthStatus.Healthy, 'job completed: 1 pods succeeded'],
  'job-failed.yaml': [HealthStatus.Degraded, 'Job has reached the specified backoff limit'],
  'job-running.yaml': [HealthStatus.Progressing, 'job is running: 1 active pods'],
  'job-suspended.yaml': [HealthStatus.Suspended, 'job is suspended'],
  'cronjob-suspended.yaml': [HealthStatus.Suspended, 'cron job is suspended'],
  'cronjob-last-failed.yaml': [HealthStatus.Degraded, 'the job scheduled at 2026-11-22T03:00:00Z did not succeed'],
  'cronjob-healthy.yaml': [HealthStatus.Healthy, 'last scheduled at 2026-11-22T03:00:00Z'],
  'pvc-bound.yaml': [HealthStatus.Healthy, 'claim is bound'],
  'pvc-pending.yaml': [HealthStatus.Progressing, 'claim is waiting for a volume'],
  'pvc-lost.yaml': [HealthStatus.Degraded, 'claim lost its volume'],
  'service-loadbalancer-pending.yaml': [HealthStatus.Progressing, 'waiting for the load balancer to get an address'],
  'service-loadbalancer-ready.yaml': [HealthStatus.Healthy, 'load balancer has an address'],
  'service-clusterip.yaml': [HealthStatus.Healthy, ''],
  'ingress-pending.yaml': [HealthStatus.Progressing, /waiting for the ingress controller/],
  'ingress-ready.yaml': [HealthStatus.Healthy, 'ingress has an address'],
  'hpa-failing-metrics.yaml': [HealthStatus.Degraded, /failed to get cpu utilization/],
  'hpa-healthy.yaml': [HealthStatus.Healthy, /successfully calculate a replica count/],
  'crd-established.yaml': [HealthStatus.Healthy, 'definition is established'],
  'crd-names-conflict.yaml': [HealthStatus.Degraded, '"WidgetList" is already in use'],
  'custom-ready.yaml': [HealthStatus.Healthy, 'widget is serving'],
  'custom-not-ready.yaml': [HealthStatus.Degraded, 'backend unreachable'],
  'custom-available-unknown.yaml': [HealthStatus.Progressing, 'Reconciling'],
  'configmap.yaml': [HealthStatus.Healthy, ''],
};

describe('health of live objects', () => {
  it('has an expectation for every golden fixture', () => {
    expect(readdirSync(fixtures).sort()).toEqual(Object.keys(expectations).sort());
  });

  it.each(Object.entries(expectations))('judges %s', (name, [status, message]) => {
    const health = healthOf(fixture(name));
    expect(health.status).toBe(status);
    if (typeof message === 'string') expect(health.message).toBe(message);
    else expect(health.message).toMatch(message);
  });

  it('reports an object that does not exist as Missing', () => {
    expect(healthOf(undefined)).toEqual({ status: HealthStatus.Missing, message: 'object does not exist' });
  });

  it('rates an application by its least healthy object', () => {
    const healths = ['deployment-healthy.yaml', 'job-suspended.yaml', 'deployment-rolling.yaml'].map((name) => healthOf(fixture(name)));
    expect(worstHealth(healths).status).toBe(HealthStatus.Progressing);
    expect(worstHealth([...healths, healthOf(null)]).status).toBe(HealthStatus.Missing);
    expect(worstHealth([...healths, healthOf(fixture('pod-crashloop.yaml'))]).status).toBe(HealthStatus.Degraded);
    expect(worstHealth([]).status).toBe(HealthStatus.Healthy);
  });
});
