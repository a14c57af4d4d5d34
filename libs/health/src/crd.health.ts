import { degraded, type Health, healthy, progressing } from './health-status';
import { findCondition, type KubeObject } from './kube-object';

/** A CustomResourceDefinition is healthy once established; its kind can then be served. */
export function customResourceDefinitionHealth(definition: KubeObject): Health {
  if (definition.metadata?.deletionTimestamp) return progressing('definition is being deleted');
  const namesAccepted = findCondition(definition, 'NamesAccepted');
  if (namesAccepted?.status === 'False') return degraded(namesAccepted.message ?? 'the names of the definition conflict with another');
  const established = findCondition(definition, 'Established');
  if (established?.status === 'True') return healthy('definition is established');
  return progressing(established?.message ?? 'waiting for the definition to be established');
}
