import { unreachableReason } from './cluster-health';
import { clustersInPlanOrder, emitRolloutEvent, failedClusters, finish, moveCluster, Planning } from './planning';
import { progressDeadlineMs, stageStrategy } from './strategy';
import type { ClusterObservation, ClusterProgress, RevisionRef, StageProgress } from './types';

/**
 * Fails the stage in progress once its failures, less those an operator accepted, exceed what it tolerates,
 * and pauses or rolls back as the strategy says. Returns whether it did.
 */
export function failStageOverBudget(planning: Planning): boolean {
  const stage = planning.record.stages.find((candidate) => candidate.state === 'Progressing');
  if (!stage) return false;
  const failed = failedClusters(planning, stage);
  if (failed.length - stage.acceptedFailures <= stage.maxFailures) return false;
  stage.state = 'Failed';
  for (const batch of stage.batches) if (batch.state === 'Progressing') batch.state = 'Failed';
  const reason = `stage ${stage.name} has ${failed.length} failed clusters, more than the ${stage.maxFailures} it tolerates: ${failed
    .map((cluster) => `${cluster.cluster} (${cluster.reason})`)
    .join('; ')}`;
  if (planning.strategy.onFailure === 'rollback') {
    startRollback(planning, reason);
    watchRollback(planning);
  } else {
    pauseOnFailure(planning, stage, reason);
  }
  return true;
}

function pauseOnFailure(planning: Planning, stage: StageProgress, reason: string): void {
  const record = planning.record;
  record.state = 'Paused';
  record.reason = reason;
  record.gate = { kind: 'failure', stage: stage.name, until: null };
  emitRolloutEvent(planning, 'rollout.paused', { stage: stage.name, reason });
}

/** Every cluster the rollout changed goes back to what it ran before, the latest started first. */
function startRollback(planning: Planning, reason: string): void {
  const record = planning.record;
  record.state = 'RollingBack';
  record.reason = reason;
  record.gate = null;
  for (const cluster of latestStartedFirst(planning)) {
    planning.desired.push({ cluster: cluster.cluster, to: cluster.previous, cause: 'rollback' });
    moveCluster(planning, cluster, 'RolledBack', cluster.reason === '' ? `rolled back from ${cluster.state}` : `rolled back from ${cluster.state} (${cluster.reason})`);
  }
  emitRolloutEvent(planning, 'rollout.rolling-back', { reason });
}

/** Clusters started at the same time (one step) keep their plan order among themselves, reversed. */
function latestStartedFirst(planning: Planning): ClusterProgress[] {
  return clustersInPlanOrder(planning)
    .map((cluster, order) => ({ cluster, order }))
    .filter(({ cluster }) => cluster.startedAt !== null)
    .sort((a, b) => (b.cluster.startedAt ?? 0) - (a.cluster.startedAt ?? 0) || b.order - a.order)
    .map(({ cluster }) => cluster);
}

/** A rollback ends when every cluster it changed runs its previous revision again (or cannot be reached), or fails at the longest deadline. */
export function watchRollback(planning: Planning): void {
  const record = planning.record;
  const rolledBack = Object.values(record.clusters).filter((cluster) => cluster.state === 'RolledBack');
  const notReturned = rolledBack.filter((cluster) => !hasReturned(planning.observations.get(cluster.cluster), cluster.previous));
  if (notReturned.length === 0) {
    finish(planning, 'RolledBack');
    emitRolloutEvent(planning, 'rollout.rolled-back', { reason: record.reason });
    return;
  }
  const rollbackStartedAt = Math.min(...rolledBack.map((cluster) => cluster.since));
  const deadlineMs = Math.max(...record.stages.map((stage) => progressDeadlineMs(stageStrategy(planning.strategy, stage.name))));
  if (planning.now - rollbackStartedAt < deadlineMs) return;
  record.reason = `rollback did not complete within ${deadlineMs / 1000} s: ${notReturned
    .map((cluster) => cluster.cluster)
    .join(', ')} did not return to their previous revision (after: ${record.reason})`;
  finish(planning, 'Failed');
  emitRolloutEvent(planning, 'rollout.failed', { reason: record.reason });
}

/** A cluster that cannot apply now is taken as returned: its desired state already names the previous revision, which it runs once it can. */
function hasReturned(observation: ClusterObservation | undefined, previous: RevisionRef | null): boolean {
  if (observation === undefined || unreachableReason(observation) !== null) return true;
  if (previous === null) return observation.desired === null || observation.reported === null;
  return observation.reported?.bundleDigest === previous.bundleDigest;
}
