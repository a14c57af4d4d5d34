import { planStep } from './advance';
import { beginPlanning, clustersInPlanOrder, emitRolloutEvent, failedClusters, failedStage, finish, moveCluster, Planning, PlanningInput } from './planning';
import { finishedRolloutStates, RolloutAction, RolloutActionError, RolloutStep } from './types';

export interface ActOnRolloutInput extends PlanningInput {
  action: RolloutAction;
}

/** Applies an operator's action, then steps, so what it lets through happens at once. Throws RolloutActionError when the rollout's state does not allow it. */
export function actOnRollout({ action, ...input }: ActOnRolloutInput): RolloutStep {
  const state = input.record.state;
  if (finishedRolloutStates.has(state)) throw new RolloutActionError(`cannot ${action.type} a rollout that has ended (${state})`);
  const planning = beginPlanning(input);
  applyAction(planning, action);
  return planStep(planning);
}

function applyAction(planning: Planning, action: RolloutAction): void {
  switch (action.type) {
    case 'pause':
      return pause(planning, action.reason);
    case 'resume':
      return resume(planning, action.reason);
    case 'promote':
      return promote(planning, action.reason);
    case 'approve':
      return approve(planning, action.stage, action.reason);
    case 'abort':
      return abort(planning, action.reason);
    case 'retry':
      return retry(planning, action.reason);
  }
}

function pause(planning: Planning, reason: string): void {
  const record = planning.record;
  if (record.state !== 'Progressing' && record.state !== 'WaitingForApproval') throw new RolloutActionError(`cannot pause a rollout that is ${record.state}`);
  record.state = 'Paused';
  record.reason = reason;
  // An operator's pause waits on the operator, not on a gate; a waited-for approval is asked again on resume.
  record.gate = null;
  emitRolloutEvent(planning, 'rollout.paused', { reason });
}

/** A pause on failure ends with the failures so far accepted: the stage goes on as if it tolerated them. */
function resume(planning: Planning, reason: string): void {
  const record = planning.record;
  if (record.state !== 'Paused') throw new RolloutActionError(`cannot resume a rollout that is ${record.state}: only a paused one`);
  const stage = failedStage(planning);
  if (stage) {
    stage.acceptedFailures = failedClusters(planning, stage).length;
    stage.state = 'Progressing';
    for (const batch of stage.batches) if (batch.state === 'Failed') batch.state = 'Progressing';
  }
  goOn(planning);
  emitRolloutEvent(planning, 'rollout.resumed', { ...(stage ? { stage: stage.name } : {}), reason });
}

/** Skips the gate waited on: an approval, else the bake of every baking cluster. */
function promote(planning: Planning, reason: string): void {
  if (planning.record.state === 'WaitingForApproval') return approveGate(planning, reason);
  const baking = clustersInPlanOrder(planning).filter((cluster) => cluster.state === 'Baking');
  if (baking.length === 0) throw new RolloutActionError('nothing to promote: no approval is waited for and no cluster is baking');
  for (const cluster of baking) moveCluster(planning, cluster, 'Succeeded', '', `promoted before its bake ended${reason ? `: ${reason}` : ''}`);
}

function approve(planning: Planning, stageName: string, reason: string): void {
  const gate = planning.record.gate;
  if (planning.record.state !== 'WaitingForApproval' || gate?.stage !== stageName) {
    const waiting = planning.record.state === 'WaitingForApproval' && gate ? ` (stage ${gate.stage} is)` : '';
    throw new RolloutActionError(`stage ${stageName} is not waiting for approval${waiting}`);
  }
  approveGate(planning, reason);
}

function approveGate(planning: Planning, reason: string): void {
  const gate = planning.record.gate;
  const stage = planning.record.stages.find((candidate) => candidate.name === gate?.stage);
  if (!gate || !stage || (gate.kind !== 'approval-before' && gate.kind !== 'approval-after')) {
    throw new RolloutActionError('the rollout waits for an approval it does not name');
  }
  if (gate.kind === 'approval-before') stage.approvedBefore = true;
  else stage.approvedAfter = true;
  goOn(planning);
  emitRolloutEvent(planning, 'rollout.resumed', { stage: stage.name, reason: `approved ${gate.kind === 'approval-before' ? 'before' : 'after'} the stage${reason ? `: ${reason}` : ''}` });
}

/** Clusters stay as they are: no desired state is written back. */
function abort(planning: Planning, reason: string): void {
  planning.record.reason = reason;
  finish(planning, 'Aborted');
  emitRolloutEvent(planning, 'rollout.aborted', { reason });
}

/** The failed and timed-out clusters of the failed stage (else of the stage in progress) start again. */
function retry(planning: Planning, reason: string): void {
  const record = planning.record;
  if (record.state !== 'Paused' && record.state !== 'Progressing') throw new RolloutActionError(`cannot retry a rollout that is ${record.state}`);
  const stage = failedStage(planning) ?? record.stages.find((candidate) => candidate.state === 'Progressing');
  const failed = stage ? failedClusters(planning, stage) : [];
  if (!stage || failed.length === 0) throw new RolloutActionError('nothing to retry: the current stage has no failed or timed-out clusters');
  for (const cluster of failed) {
    moveCluster(planning, cluster, 'Pending');
    cluster.startedAt = null;
  }
  const retried = new Set(failed.map((cluster) => cluster.cluster));
  for (const batch of stage.batches) if (batch.clusters.some((name) => retried.has(name))) batch.state = 'Progressing';
  // The accepted failures were among these clusters: none is left to accept.
  stage.acceptedFailures = 0;
  stage.state = 'Progressing';
  goOn(planning);
  emitRolloutEvent(planning, 'rollout.resumed', { stage: stage.name, reason: `retrying ${[...retried].join(', ')}${reason ? `: ${reason}` : ''}` });
}

function goOn(planning: Planning): void {
  planning.record.state = 'Progressing';
  planning.record.reason = '';
  planning.record.gate = null;
}
