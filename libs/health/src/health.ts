import { conditionsHealth } from './conditions.health';
import { customResourceDefinitionHealth } from './crd.health';
import { cronJobHealth } from './cronjob.health';
import { daemonSetHealth } from './daemonset.health';
import { deploymentHealth } from './deployment.health';
import { type Health, HealthStatus } from './health-status';
import { horizontalPodAutoscalerHealth } from './hpa.health';
import { jobHealth } from './job.health';
import type { KubeObject } from './kube-object';
import { podHealth } from './pod.health';
import { persistentVolumeClaimHealth } from './pvc.health';
import { replicaSetHealth } from './replicaset.health';
import { statefulSetHealth } from './statefulset.health';
import { ingressHealth, serviceHealth } from './service.health';

type HealthCheck = (object: KubeObject) => Health;

/** Health checks by `group/Kind` (core kinds have an empty group). */
const checks: ReadonlyMap<string, HealthCheck> = new Map([
  ['apps/Deployment', deploymentHealth],
  ['apps/StatefulSet', statefulSetHealth],
  ['apps/DaemonSet', daemonSetHealth],
  ['apps/ReplicaSet', replicaSetHealth],
  ['/Pod', podHealth],
  ['batch/Job', jobHealth],
  ['batch/CronJob', cronJobHealth],
  ['/PersistentVolumeClaim', persistentVolumeClaimHealth],
  ['/Service', serviceHealth],
  ['networking.k8s.io/Ingress', ingressHealth],
  ['autoscaling/HorizontalPodAutoscaler', horizontalPodAutoscalerHealth],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionHealth],
]);

function groupOf(apiVersion: string | undefined): string {
  const slash = apiVersion?.indexOf('/') ?? -1;
  return slash < 0 ? '' : (apiVersion ?? '').slice(0, slash);
}

/** The health of a live object; `Missing` when it does not exist (undefined or null). */
export function healthOf(object: KubeObject | null | undefined): Health {
  if (!object) return { status: HealthStatus.Missing, message: 'object does not exist' };
  const check = checks.get(`${groupOf(object.apiVersion)}/${object.kind}`) ?? conditionsHealth;
  return check(object);
}
