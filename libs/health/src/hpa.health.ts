import { degraded, type Health, healthy, progressing } from './health-status';
import type { Condition, KubeObject } from './kube-object';

/** Reasons for which an autoscaler cannot do its job until something changes. */
const failureReasons = new Set(['FailedGetScale', 'FailedUpdateScale', 'FailedGetResourceMetric', 'FailedGetObjectMetric', 'FailedGetPodsMetric', 'FailedGetExternalMetric', 'InvalidSelector', 'FailedComputeMetricsReplicas']);

/** An autoscaler is healthy when it can read its metrics and scale its target. */
export function horizontalPodAutoscalerHealth(autoscaler: KubeObject): Health {
  const conditions = (autoscaler.status?.['conditions'] as Condition[] | undefined) ?? [];
  if (conditions.length === 0) return progressing('waiting for the autoscaler to report');
  const failing = conditions.find((condition) => condition.status === 'False' && failureReasons.has(condition.reason ?? ''));
  if (failing) return degraded(failing.message ?? `${failing.type}: ${failing.reason}`);
  const scaling = conditions.find((condition) => condition.type === 'ScalingActive');
  return healthy(scaling?.message ?? 'autoscaler is active');
}
