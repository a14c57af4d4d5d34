import { planStep } from './advance';
import { beginPlanning, emitRolloutEvent } from './planning';
import { assignStages } from './stages';
import { validateStrategy } from './strategy';
import { ClusterObservation, ClusterProgress, FleetCluster, finishedRolloutStates, RevisionRef, RolloutActionError, RolloutRecord, RolloutStep, RolloutStrategy } from './types';

export interface StartRolloutInput {
  revisionId: string;
  strategy: RolloutStrategy;
  fleet: readonly FleetCluster[];
  /** The clusters taking part, each with the target's bundle for it. */
  targets: Record<string, RevisionRef>;
  observations: ReadonlyMap<string, ClusterObservation>;
  now: number;
}

/** Plans a new rollout and takes its first step, so the first batch's desired states come out at once. */
export function startRollout({ revisionId, strategy, fleet, targets, observations, now }: StartRolloutInput): RolloutStep {
  validateStrategy(strategy);
  const clusters: Record<string, ClusterProgress> = {};
  for (const [name, target] of Object.entries(targets)) {
    clusters[name] = { cluster: name, state: 'Pending', since: now, startedAt: null, healthySince: null, reason: '', previous: observations.get(name)?.desired ?? null, target };
  }
  const record: RolloutRecord = {
    revisionId,
    state: 'Progressing',
    reason: '',
    stages: assignStages(strategy, fleet, Object.keys(targets)),
    clusters,
    gate: null,
    recentStarts: [],
    startedAt: now,
    finishedAt: null,
  };
  const planning = beginPlanning({ strategy, record, observations, now });
  emitRolloutEvent(planning, 'rollout.started');
  return planStep(planning);
}

/** A newer revision replaces the rollout. Clusters keep what they run until the new rollout reaches them. */
export function supersedeRollout(record: RolloutRecord, now: number, reason: string): RolloutStep {
  if (finishedRolloutStates.has(record.state)) throw new RolloutActionError(`a ${record.state} rollout cannot be superseded: it has ended`);
  const superseded: RolloutRecord = { ...structuredClone(record), state: 'Superseded', reason, gate: null, finishedAt: now };
  return { record: superseded, desired: [], events: [{ type: 'rollout.superseded', ...(reason ? { reason } : {}) }] };
}
