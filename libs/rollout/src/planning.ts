import { stageStrategy } from './strategy';
import type {
  ClusterObservation,
  ClusterProgress,
  ClusterRolloutState,
  DesiredChange,
  RolloutEvent,
  RolloutEventType,
  RolloutRecord,
  RolloutStrategy,
  StageProgress,
  StageStrategy,
} from './types';

export interface PlanningInput {
  strategy: RolloutStrategy;
  record: RolloutRecord;
  observations: ReadonlyMap<string, ClusterObservation>;
  now: number;
}

/** One planning step under way: a copy of the record to change, and what the step decided so far. */
export interface Planning {
  readonly strategy: RolloutStrategy;
  readonly record: RolloutRecord;
  readonly observations: ReadonlyMap<string, ClusterObservation>;
  readonly now: number;
  readonly desired: DesiredChange[];
  readonly events: RolloutEvent[];
  /** Each cluster's stage, in `record`. */
  readonly stageOf: ReadonlyMap<string, StageProgress>;
  /** The stage whose next cluster waits for `maxClustersPerMinute`, if one does. */
  pacedStage: string | null;
}

/** Copies the record, so the caller's is never changed. */
export function beginPlanning({ strategy, record, observations, now }: PlanningInput): Planning {
  const copy = structuredClone(record);
  const stageOf = new Map<string, StageProgress>();
  for (const stage of copy.stages) for (const batch of stage.batches) for (const cluster of batch.clusters) stageOf.set(cluster, stage);
  return { strategy, record: copy, observations, now, desired: [], events: [], stageOf, pacedStage: null };
}

/** Events for the rollout itself, with a reason when there is one. */
export function emitRolloutEvent(planning: Planning, type: RolloutEventType, details: { stage?: string; reason?: string } = {}): void {
  planning.events.push({ type, ...(details.stage === undefined ? {} : { stage: details.stage }), ...(details.reason ? { reason: details.reason } : {}) });
}

const clusterEventTypes: Partial<Record<ClusterRolloutState, RolloutEventType>> = {
  Succeeded: 'rollout.cluster.succeeded',
  Failed: 'rollout.cluster.failed',
  TimedOut: 'rollout.cluster.failed',
  Skipped: 'rollout.cluster.skipped',
};

/** Moves a cluster to `state`, telling of it when it settles. The event may say more than the record keeps (why a cluster was promoted). */
export function moveCluster(planning: Planning, cluster: ClusterProgress, state: ClusterRolloutState, reason = '', eventReason = reason): void {
  cluster.state = state;
  cluster.since = planning.now;
  cluster.reason = reason;
  // Only a baking or succeeded cluster is known to be healthy at the target.
  if (state !== 'Baking' && state !== 'Succeeded') cluster.healthySince = null;
  const type = clusterEventTypes[state];
  if (type) planning.events.push({ type, stage: stageNameOf(planning, cluster.cluster), cluster: cluster.cluster, ...(eventReason ? { reason: eventReason } : {}) });
}

export function stageNameOf(planning: Planning, cluster: string): string {
  const stage = planning.stageOf.get(cluster);
  if (!stage) throw new Error(`cluster ${cluster} is in no stage of the rollout`);
  return stage.name;
}

export function strategyOfCluster(planning: Planning, cluster: string): StageStrategy {
  return stageStrategy(planning.strategy, stageNameOf(planning, cluster));
}

function clustersOf(planning: Planning, stage: StageProgress): ClusterProgress[] {
  return stage.batches.flatMap((batch) => batch.clusters.map((name) => planning.record.clusters[name]));
}

/** Every cluster of the rollout in start order: stage by stage, batch by batch. */
export function clustersInPlanOrder(planning: Planning): ClusterProgress[] {
  return planning.record.stages.flatMap((stage) => clustersOf(planning, stage));
}

export function failedClusters(planning: Planning, stage: StageProgress): ClusterProgress[] {
  return clustersOf(planning, stage).filter((cluster) => cluster.state === 'Failed' || cluster.state === 'TimedOut');
}

/** The stage an operator's pause on failure (or a failure during a pause) stopped at. */
export function failedStage(planning: Planning): StageProgress | undefined {
  return planning.record.stages.find((stage) => stage.state === 'Failed');
}

/** Ends the rollout: nothing more to wait for. */
export function finish(planning: Planning, state: 'Succeeded' | 'Failed' | 'RolledBack' | 'Aborted' | 'Superseded'): void {
  planning.record.state = state;
  planning.record.finishedAt = planning.now;
  planning.record.gate = null;
}
