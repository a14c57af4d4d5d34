/** Whether a new revision is applied on its own (`auto`) or waits for an explicit sync (`manual`). */
export const syncPolicies = ['auto', 'manual'] as const;
export type SyncPolicy = (typeof syncPolicies)[number];

/** What the hub does about drift: re-apply at once, hold until approved, or only report. */
export const healPolicies = ['auto', 'approve', 'alert'] as const;
export type HealPolicy = (typeof healPolicies)[number];

/** API token roles, from least to most powerful. */
export const tokenRoles = ['viewer', 'operator', 'admin'] as const;
export type TokenRole = (typeof tokenRoles)[number];

/** How the hub authenticates to a git remote. */
export const sourceAuthKinds = ['none', 'https-token', 'ssh-key'] as const;
export type SourceAuthKind = (typeof sourceAuthKinds)[number];

/** A field another controller legitimately owns, never drift: a JSON pointer, optionally for some objects only. */
export interface IgnoreRule {
  jsonPointer: string;
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

export const revisionStatuses = ['rendered', 'failed'] as const;
export type RevisionStatus = (typeof revisionStatuses)[number];
