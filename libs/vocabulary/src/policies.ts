/** Whether a new revision is applied on its own (`auto`) or waits for an explicit sync (`manual`). */
export const syncPolicies = ['auto', 'manual'] as const;
export type SyncPolicy = (typeof syncPolicies)[number];

/** What is done about drift: re-apply at once, hold until approved, or only report. */
export const healPolicies = ['auto', 'approve', 'alert'] as const;
export type HealPolicy = (typeof healPolicies)[number];

/** A field another controller legitimately owns (e.g. `/spec/replicas` under an autoscaler): never drift, never taken back. Empty or absent selectors match every object. */
export interface IgnoreRule {
  /** JSON pointer; the field and everything under it is ignored. */
  jsonPointer: string;
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}
