import type { ClusterObservation, RevisionRef } from './types';

export const agentNotConnected = 'agent not connected';

/** How a cluster stands toward its target, as its latest observation tells. */
export type TargetHealth =
  | { kind: 'disconnected' }
  | { kind: 'failed'; reason: string }
  /** Synced and Healthy at the target, with no open drift. */
  | { kind: 'healthy' }
  /** Not there yet (another bundle, syncing, progressing, drifted); `lastSeen` says what it reports. */
  | { kind: 'pending'; lastSeen: string };

/** An unknown cluster counts as disconnected: nothing can reach it. */
export function isConnected(observation: ClusterObservation | undefined): observation is ClusterObservation {
  return observation?.connected === true;
}

/**
 * `startedAt` is when the rollout (last) set the cluster's desired state: a failure reported before it is not held
 * against the cluster, so a retried cluster gets its deadline to recover instead of failing again on its old report.
 */
export function targetHealth(observation: ClusterObservation | undefined, target: RevisionRef, startedAt: number): TargetHealth {
  if (!isConnected(observation)) return { kind: 'disconnected' };
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
