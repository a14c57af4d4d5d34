import { targetHealth, unreachableReason } from './cluster-health';
import { failStageOverBudget, watchRollback } from './failure';
import { clustersInPlanOrder, emitRolloutEvent, finish, moveCluster, Planning, stageNameOf, strategyOfCluster } from './planning';
import { bakeMs, progressDeadlineMs, stageStrategy } from './strategy';
import { BatchProgress, ClusterProgress, ClusterRolloutState, finishedRolloutStates, RolloutGate, RolloutStep, StageProgress } from './types';

const pacingWindowMs = 60_000;

/** Clusters a batch no longer waits for. */
const settledStates: ReadonlySet<ClusterRolloutState> = new Set(['Succeeded', 'Skipped', 'Failed', 'TimedOut']);

/** Plans as far as the observations and the time allow, and returns the step. */
export function planStep(planning: Planning): RolloutStep {
  advance(planning);
  planning.record.gate = gateNow(planning);
  return { record: planning.record, desired: planning.desired, events: planning.events };
}

function advance(planning: Planning): void {
  const state = planning.record.state;
  if (state === 'Pending' || finishedRolloutStates.has(state)) return;
  if (state === 'RollingBack') return watchRollback(planning);
  pruneRecentStarts(planning);
  // Until nothing more follows from what is known now, so stepping again with the same inputs changes nothing.
  for (;;) {
    observeInFlight(planning);
    if (failStageOverBudget(planning)) return;
    // Paused and waiting rollouts only watch the clusters already under way.
    if (planning.record.state !== 'Progressing' || !moveForward(planning)) return;
  }
}

function pruneRecentStarts(planning: Planning): void {
  planning.record.recentStarts = planning.record.recentStarts.filter((startedAt) => planning.now - startedAt < pacingWindowMs);
}

function observeInFlight(planning: Planning): void {
  for (const cluster of clustersInPlanOrder(planning)) {
    if (cluster.state === 'Updating' || cluster.state === 'Baking') observeCluster(planning, cluster);
  }
}

function observeCluster(planning: Planning, cluster: ClusterProgress): void {
  const stage = strategyOfCluster(planning, cluster.cluster);
  const startedAt = cluster.startedAt ?? planning.now;
  const health = targetHealth(planning.observations.get(cluster.cluster), cluster.target, startedAt);
  switch (health.kind) {
    case 'unreachable':
      // Its desired state already names the target: it gets it when it reconnects or is resumed.
      return moveCluster(planning, cluster, 'Skipped', health.reason);
    case 'failed':
      return moveCluster(planning, cluster, 'Failed', health.reason);
    case 'healthy':
      if (cluster.state === 'Updating') {
        moveCluster(planning, cluster, 'Baking');
        cluster.healthySince = planning.now;
      }
      if (planning.now - (cluster.healthySince ?? planning.now) >= bakeMs(stage)) moveCluster(planning, cluster, 'Succeeded');
      return;
    case 'pending':
      // A bake that stops being healthy starts again; the deadline still counts from the start.
      if (cluster.state === 'Baking') moveCluster(planning, cluster, 'Updating');
      if (planning.now - startedAt >= progressDeadlineMs(stage)) {
        moveCluster(planning, cluster, 'TimedOut', `not healthy at ${cluster.target.revisionId} within ${progressDeadlineMs(stage) / 1000} s; last seen: ${health.lastSeen}`);
      }
  }
}

/** Takes the rollout's next move; returns whether another may follow at once. */
function moveForward(planning: Planning): boolean {
  for (const stage of planning.record.stages) {
    if (stage.state !== 'Succeeded') return moveStage(planning, stage);
    if (awaitsApprovalAfter(planning, stage)) {
      waitForApproval(planning, stage, 'approval-after');
      return false;
    }
  }
  succeed(planning);
  return false;
}

function awaitsApprovalAfter(planning: Planning, stage: StageProgress): boolean {
  return stageStrategy(planning.strategy, stage.name).approvalAfter === true && !stage.approvedAfter && stage.batches.length > 0;
}

function moveStage(planning: Planning, stage: StageProgress): boolean {
  if (stage.state === 'Pending' || stage.state === 'WaitingForApproval') return startStage(planning, stage);
  const batch = stage.batches.find((candidate) => candidate.state !== 'Succeeded');
  if (batch) return moveBatch(planning, stage, batch);
  stage.state = 'Succeeded';
  emitRolloutEvent(planning, 'rollout.stage.completed', { stage: stage.name });
  return true;
}

function startStage(planning: Planning, stage: StageProgress): boolean {
  if (stage.batches.length === 0) {
    // Nothing to update, nothing to approve.
    stage.state = 'Succeeded';
    emitRolloutEvent(planning, 'rollout.stage.completed', { stage: stage.name, reason: 'no clusters' });
    return true;
  }
  if (stageStrategy(planning.strategy, stage.name).approvalBefore === true && !stage.approvedBefore) {
    waitForApproval(planning, stage, 'approval-before');
    return false;
  }
  stage.state = 'Progressing';
  emitRolloutEvent(planning, 'rollout.stage.started', { stage: stage.name });
  return true;
}

function waitForApproval(planning: Planning, stage: StageProgress, kind: 'approval-before' | 'approval-after'): void {
  if (kind === 'approval-before') stage.state = 'WaitingForApproval';
  const record = planning.record;
  record.state = 'WaitingForApproval';
  record.reason = `stage ${stage.name} waits for approval ${kind === 'approval-before' ? 'before it starts' : 'after it succeeded'}`;
  record.gate = { kind, stage: stage.name, until: null };
  emitRolloutEvent(planning, 'rollout.waiting-for-approval', { stage: stage.name, reason: record.reason });
}

function moveBatch(planning: Planning, stage: StageProgress, batch: BatchProgress): boolean {
  batch.state = 'Progressing';
  const moved = startPendingClusters(planning, stage, batch);
  if (!batch.clusters.every((name) => settledStates.has(planning.record.clusters[name].state))) return moved;
  batch.state = 'Succeeded';
  return true;
}

/** Starts the batch's waiting clusters in order, as far as pacing allows; one that cannot take it now (disconnected, paused) is skipped. */
function startPendingClusters(planning: Planning, stage: StageProgress, batch: BatchProgress): boolean {
  let moved = false;
  for (const name of batch.clusters) {
    const cluster = planning.record.clusters[name];
    if (cluster.state !== 'Pending') continue;
    const unreachable = unreachableReason(planning.observations.get(name));
    if (unreachable !== null) {
      moveCluster(planning, cluster, 'Skipped', unreachable);
    } else if (roomToStart(planning)) {
      startCluster(planning, cluster);
    } else {
      planning.pacedStage = stage.name;
      break;
    }
    moved = true;
  }
  return moved;
}

function roomToStart(planning: Planning): boolean {
  const perMinute = planning.strategy.maxClustersPerMinute;
  return perMinute === undefined || planning.record.recentStarts.length < perMinute;
}

function startCluster(planning: Planning, cluster: ClusterProgress): void {
  moveCluster(planning, cluster, 'Updating');
  cluster.startedAt = planning.now;
  planning.desired.push({ cluster: cluster.cluster, to: cluster.target, cause: 'rollout' });
  planning.record.recentStarts.push(planning.now);
}

function succeed(planning: Planning): void {
  const record = planning.record;
  record.reason = '';
  finish(planning, 'Succeeded');
  // A cluster skipped before it was changed would otherwise keep the old revision after it reconnects.
  for (const cluster of clustersInPlanOrder(planning)) {
    if (cluster.state !== 'Skipped' || cluster.startedAt !== null) continue;
    planning.desired.push({ cluster: cluster.cluster, to: cluster.target, cause: 'rollout' });
    cluster.startedAt = planning.now;
  }
  emitRolloutEvent(planning, 'rollout.succeeded');
}

/** What a rollout in progress waits on: pacing, then the health of updating clusters, then bakes. Paused and waiting ones keep the gate they stopped at. */
function gateNow(planning: Planning): RolloutGate | null {
  const record = planning.record;
  if (record.state === 'Paused' || record.state === 'WaitingForApproval') return record.gate;
  if (record.state !== 'Progressing') return null;
  if (planning.pacedStage !== null) return { kind: 'pacing', stage: planning.pacedStage, until: Math.min(...record.recentStarts) + pacingWindowMs };
  const clusters = clustersInPlanOrder(planning);
  return (
    earliestGate(planning, 'health', clusters.filter((cluster) => cluster.state === 'Updating'), (cluster) => (cluster.startedAt ?? 0) + progressDeadlineMs(strategyOfCluster(planning, cluster.cluster))) ??
    earliestGate(planning, 'bake', clusters.filter((cluster) => cluster.state === 'Baking'), (cluster) => (cluster.healthySince ?? 0) + bakeMs(strategyOfCluster(planning, cluster.cluster)))
  );
}

function earliestGate(planning: Planning, kind: 'health' | 'bake', clusters: ClusterProgress[], until: (cluster: ClusterProgress) => number): RolloutGate | null {
  let earliest: RolloutGate | null = null;
  for (const cluster of clusters) {
    const at = until(cluster);
    if (earliest === null || at < (earliest.until ?? Infinity)) earliest = { kind, stage: stageNameOf(planning, cluster.cluster), until: at };
  }
  return earliest;
}
