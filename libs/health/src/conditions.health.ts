import { degraded, type Health, healthy, progressing } from './health-status';
import { findCondition, type KubeObject, specObserved } from './kube-object';

/**
 * Health of objects without a check of their own (custom resources): their `Ready` or `Available`
 * condition when they report one, otherwise healthy once they exist.
 */
export function conditionsHealth(object: KubeObject): Health {
  if (!specObserved(object)) return progressing('waiting for the controller to observe the latest generation');
  const condition = findCondition(object, 'Ready') ?? findCondition(object, 'Available');
  if (!condition) return healthy();
  const detail = condition.message ?? condition.reason ?? '';
  if (condition.status === 'True') return healthy(detail);
  if (condition.status === 'False') return degraded(detail || `${condition.type} is False`);
  return progressing(detail || `${condition.type} is Unknown`);
}
