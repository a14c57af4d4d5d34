import type { ClusterRolloutState, RolloutRecord } from './types';

/** How many of the rollout's clusters are in each state. */
export function rolloutProgress(record: RolloutRecord): RolloutProgress {
  const progress: RolloutProgress = { total: 0, pending: 0, updating: 0, baking: 0, succeeded: 0, failed: 0, timedOut: 0, skipped: 0, rolledBack: 0 };
  for (const cluster of Object.values(record.clusters)) {
    progress.total++;
    progress[progressKeys[cluster.state]]++;
  }
  return progress;
}

export interface RolloutProgress {
  total: number;
  pending: number;
  updating: number;
  baking: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  skipped: number;
  rolledBack: number;
}

const progressKeys: Record<ClusterRolloutState, Exclude<keyof RolloutProgress, 'total'>> = {
  Pending: 'pending',
  Updating: 'updating',
  Baking: 'baking',
  Succeeded: 'succeeded',
  Failed: 'failed',
  TimedOut: 'timedOut',
  Skipped: 'skipped',
  RolledBack: 'rolledBack',
};
