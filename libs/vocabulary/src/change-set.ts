import type { ObjectRef } from './object-ref';

/** What an apply or prune did to one object. */
export const changeActions = ['created', 'configured', 'unchanged', 'deleted', 'skipped', 'failed'] as const;
export type ChangeAction = (typeof changeActions)[number];

export interface ChangeSetEntry {
  object: ObjectRef;
  /** `Kind/namespace/name`. */
  subject: string;
  action: ChangeAction;
  /** Why it was skipped or failed, in the API server's words. */
  message?: string;
}

/** The result of applying or pruning a set of objects, object by object: what the agent reports, the hub stores and the API shows. */
export interface ChangeSet {
  entries: ChangeSetEntry[];
}

/** Entries with `action`. */
export function entriesWith(changeSet: ChangeSet, action: ChangeAction): ChangeSetEntry[] {
  return changeSet.entries.filter((entry) => entry.action === action);
}
