import type { ClusterObservation, RevisionRef } from './types';

export const agentNotConnected = 'agent not connected';
export const clusterPaused = 'cluster paused';

/** How a cluster stands toward its target, as its latest observation tells. */
export type TargetHealth =
  /** It cannot take the target now (`reason` says why); its desired state is kept, so it does once it can. */
  | { kind: 'unreachable'; reason: string }
  | { kind: 'failed'; reason: string }
  /** Synced and Healthy at the target, with no open drift. */
  | { kind: 'healthy' }
  /** Not there yet (another bundle, syncing, progressing, drifted); `lastSeen` says what it reports. */
  | { kind: 'pending'; lastSeen: string };

/** Why a cluster cannot apply a revision now, or null when it can. An unknown cluster counts as disconnected: nothing can reach it. */
export function unreachableReason(observation: ClusterObservation | undefined): string | null {
  if (observation?.connected !== true) return agentNotConnected;
  return observation.paused ? clusterPaused : null;
}

/**
 * `startedAt` is when the rollout (last) set the cluster's desired state: a failure reported before it is not held
 * against the cluster, so a retried cluster gets its deadline to recover instead of failing again on its old report.
 */
export function targetHealth(observation: ClusterObservation | undefined, target: RevisionRef, startedAt: number): TargetHealth {
  const unreachable = unreachableReason(observation);
  if (unreachable !== null) return { kind: 'unreachable', reason: unreachable };
  if (observation === undefined) return { kind: 'unreachable', reason: agentNotConnected };
  const reported = observation.reported;
  // What a cluster reports of another bundle says nothing of the target.
  if (reported?.bundleDigest === target.bundleDigest) {
    const failed = reported.syncState === 'Failed' || reported.health.status === 'Degraded';
    if (failed && reported.reportedAt >= startedAt) return { kind: 'failed', reason: failureReason(reported) };
    if (reported.syncState === 'Synced' && reported.health.status === 'Healthy' && !observation.openDrift) return { kind: 'healthy' };
  }
  return { kind: 'pending', lastSeen: lastSeen(observation, target) };
}

function failureReason(reported: NonNullable<ClusterObservation['reported']>): string {
  if (reported.error !== '') return reported.error;
  if (reported.health.status === 'Degraded') return withMessage('Degraded', reported.health.message);
  return 'sync failed';
}

function lastSeen(observation: ClusterObservation, target: RevisionRef): string {
  const reported = observation.reported;
  if (reported === null) return 'no status reported';
  const facts = [withMessage(reported.health.status, reported.health.message), reported.syncState];
  if (reported.bundleDigest !== target.bundleDigest) facts.push(`at bundle ${reported.bundleDigest}`);
  if (observation.openDrift) facts.push('drifted');
  return facts.join(', ');
}

function withMessage(status: string, message: string): string {
  return message === '' ? status : `${status}: ${message}`;
}
