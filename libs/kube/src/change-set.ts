import type { ObjectIdentity } from '@capstan/manifest';

/** What an apply or prune did to one object. */
export type ChangeAction = 'created' | 'configured' | 'unchanged' | 'deleted' | 'skipped' | 'failed';

export interface ChangeSetEntry {
  object: ObjectIdentity;
  /** `Kind/namespace/name`. */
  subject: string;
  action: ChangeAction;
  /** Why it was skipped or failed, in the API server's words. */
  message?: string;
}

/** The result of applying or pruning a set of objects, object by object. */
export interface ChangeSet {
  entries: ChangeSetEntry[];
}

/** Entries with `action`. */
export function entriesWith(changeSet: ChangeSet, action: ChangeAction): ChangeSetEntry[] {
  return changeSet.entries.filter((entry) => entry.action === action);
}
