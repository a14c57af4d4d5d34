/** The parts of a Kubernetes object health checks read; everything else stays opaque. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; generation?: number; deletionTimestamp?: string };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
}

/** The condition of `type` in `status.conditions`, if reported. */
export function findCondition(object: KubeObject, type: string): Condition | undefined {
  const conditions = object.status?.['conditions'];
  return Array.isArray(conditions) ? (conditions as Condition[]).find((condition) => condition?.type === type) : undefined;
}

/** A number in spec or status, or `fallback` when absent. */
export function numberAt(record: Record<string, unknown> | undefined, key: string, fallback = 0): number {
  const value = record?.[key];
  return typeof value === 'number' ? value : fallback;
}

/** Whether the controller has seen the latest spec: status.observedGeneration ≥ metadata.generation. */
export function specObserved(object: KubeObject): boolean {
  const generation = object.metadata?.generation;
  const observed = object.status?.['observedGeneration'];
  return generation === undefined || (typeof observed === 'number' && observed >= generation);
}
