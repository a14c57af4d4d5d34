/** Status conditions and pod-template inspection shared by the simulated controllers. */
import { createHash } from 'node:crypto';
import { isPlainObject, valueAtPath, type JsonObject } from '../json';

export interface DesiredCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * Conditions as a controller writes them: a condition whose status is unchanged keeps its
 * transition time, so re-reconciling an object that did not move changes nothing.
 */
export function conditions(previous: unknown, desired: readonly DesiredCondition[], now: string, withUpdateTime = false): JsonObject[] {
  const before = Array.isArray(previous) ? (previous as JsonObject[]) : [];
  return desired.map((condition) => {
    const old = before.find((entry) => isPlainObject(entry) && entry.type === condition.type);
    const unchanged = old !== undefined && old.status === condition.status;
    const sameDetails = unchanged && old.reason === condition.reason && old.message === condition.message;
    const result: JsonObject = { type: condition.type, status: condition.status };
    if (withUpdateTime) result.lastUpdateTime = sameDetails ? old.lastUpdateTime : now;
    result.lastTransitionTime = unchanged ? old.lastTransitionTime : now;
    result.reason = condition.reason;
    result.message = condition.message;
    return result;
  });
}

/** The containers of a pod spec (init containers included). */
export function containersOf(podSpec: unknown): JsonObject[] {
  if (!isPlainObject(podSpec)) return [];
  return ['initContainers', 'containers'].flatMap((key) => (Array.isArray(podSpec[key]) ? (podSpec[key] as JsonObject[]) : []));
}

/** Whether any container of the pod spec uses an image that never starts. */
export function runsBrokenImage(podSpec: unknown, pattern: RegExp): boolean {
  return containersOf(podSpec).some((container) => typeof container.image === 'string' && pattern.test(container.image));
}

/** The pod-template-hash a controller would label its ReplicaSet or revision with. */
export function templateHash(template: unknown): string {
  return createHash('sha256').update(JSON.stringify(template ?? {})).digest('hex').slice(0, 10);
}

/** The number at `path`, or `fallback`. */
export function numberAt(object: JsonObject, path: string, fallback: number): number {
  const value = valueAtPath(object, path.split('.'));
  return typeof value === 'number' ? value : fallback;
}
