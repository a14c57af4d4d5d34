import type { PolicyMode } from '@capstan/policy';
import { planBatches, type StageSelection } from './stages';
import { bakeMs, validateStages } from './strategy';
import { type FleetCluster, RolloutActionError, RolloutStrategyError, type StageStrategy } from './types';

/*
 * Policy rollouts, pure: a policy's version reaches the fleet stage by stage and batch by batch,
 * first in audit. A batch is enforced once each of its clusters has audited it for the stage's bake
 * time and been judged, and its stage's violating objects so far are within the allowance;
 * otherwise the rollout pauses there, naming them. Like application rollouts, everything is plain
 * data planned again from the stored record.
 */

/** A policy's version and the mode it holds in: what is in force of it for a cluster. */
export interface PolicyHold {
  version: number;
  mode: PolicyMode;
}

/** What a policy rollout's stage says: which clusters (as for application rollouts), how many at once, how long each batch audits before it is judged. */
export type PolicyRolloutStage = StageSelection & Pick<StageStrategy, 'minBakeTimeSeconds'>;

export interface PolicyRolloutStrategy {
  stages: PolicyRolloutStage[];
  /** Violating objects (each counted once per cluster) a stage may have and still be enforced. Default 0. */
  allowance?: number;
}

/** Where a cluster, a batch or a stage is: still holding what was in force before, auditing the version, or enforcing it. */
export const policyRolloutPhases = ['Pending', 'Auditing', 'Enforced'] as const;
export type PolicyRolloutPhase = (typeof policyRolloutPhases)[number];

export const policyRolloutStates = ['Progressing', 'Paused', 'Succeeded', 'Aborted', 'RolledBack', 'Superseded'] as const;
export type PolicyRolloutState = (typeof policyRolloutStates)[number];
/** States a policy rollout never leaves. */
export const finishedPolicyRolloutStates: ReadonlySet<PolicyRolloutState> = new Set(['Succeeded', 'Aborted', 'RolledBack', 'Superseded']);

/** One rule one object fails on a cluster. */
export interface PolicyObjectViolation {
  kind: string;
  namespace: string;
  name: string;
  rule: string;
  message: string;
}

/** What the hub knows now of one cluster and the version rolled out. */
export interface PolicyClusterObservation {
  cluster: string;
  /** Whether its agent, connected, has judged its live objects by the version. */
  judged: boolean;
  violations: PolicyObjectViolation[];
}

export interface PolicyClusterProgress {
  cluster: string;
  phase: PolicyRolloutPhase;
  /** When it entered `phase`. */
  since: number;
  /** What it violates of the version, as last observed; empty before it audits it. */
  violations: PolicyObjectViolation[];
}

export interface PolicyBatchProgress {
  phase: PolicyRolloutPhase;
  /** Cluster names, in start order. */
  clusters: string[];
}

export interface PolicyStageProgress {
  name: string;
  phase: PolicyRolloutPhase;
  batches: PolicyBatchProgress[];
}

/** A policy rollout's whole record: planned from, stored, and planned from again. */
export interface PolicyRolloutRecord {
  /** The version rolled out. */
  version: number;
  /** What was in force everywhere before: the pending clusters hold it, and an abort or a rollback returns every cluster to it. */
  previous: PolicyHold;
  state: PolicyRolloutState;
  /** Why it is in its state (the violating objects it paused on, who paused it, what it waits for); empty when there is nothing to say. */
  reason: string;
  stages: PolicyStageProgress[];
  clusters: Record<string, PolicyClusterProgress>;
  startedAt: number;
  finishedAt: number | null;
}

export const policyRolloutEventTypes = [
  'policy.rollout.started',
  'policy.rollout.stage.enforced',
  'policy.rollout.paused',
  'policy.rollout.resumed',
  'policy.rollout.aborted',
  'policy.rollout.rolled-back',
  'policy.rollout.succeeded',
  /** A newer version of the policy was saved: it is in force as saved. */
  'policy.rollout.superseded',
] as const;
export type PolicyRolloutEventType = (typeof policyRolloutEventTypes)[number];

export interface PolicyRolloutEvent {
  type: PolicyRolloutEventType;
  stage?: string;
  reason?: string;
}

export interface PolicyRolloutStep {
  record: PolicyRolloutRecord;
  events: PolicyRolloutEvent[];
}

/** An operator's action on a policy rollout; a rollback may also follow one that succeeded. */
export interface PolicyRolloutAction {
  type: 'pause' | 'resume' | 'abort' | 'rollback';
  reason: string;
}

/**
 * What a cluster holds of a policy: its saved version as saved, unless the policy's latest rollout
 * rolls that very version out and still decides (`heldUnderRollout`).
 */
export function policyHeld(saved: PolicyHold, latest: PolicyRolloutRecord | null, cluster: string): PolicyHold {
  if (!latest || latest.version !== saved.version) return saved;
  return heldUnderRollout(latest, cluster) ?? saved;
}

/**
 * What a rollout holds a cluster to: by the cluster's phase while in flight (a pending cluster, or
 * one that came into scope since, keeps what was in force before), enforce everywhere once it
 * succeeded, what was in force before once aborted or rolled back; null once superseded.
 */
export function heldUnderRollout(record: PolicyRolloutRecord, cluster: string): PolicyHold | null {
  switch (record.state) {
    case 'Superseded':
      return null;
    case 'Succeeded':
      return { version: record.version, mode: 'enforce' };
    case 'Aborted':
    case 'RolledBack':
      return record.previous;
    case 'Progressing':
    case 'Paused': {
      const phase = record.clusters[cluster]?.phase ?? 'Pending';
      return phase === 'Pending' ? record.previous : { version: record.version, mode: phase === 'Enforced' ? 'enforce' : 'audit' };
    }
  }
}

/** Throws a RolloutStrategyError naming the first field of `strategy` that cannot be followed. */
export function validatePolicyRolloutStrategy(strategy: PolicyRolloutStrategy): void {
  validateStages(strategy.stages);
  const allowance = strategy.allowance;
  if (allowance !== undefined && !(Number.isInteger(allowance) && allowance >= 0)) {
    throw new RolloutStrategyError('allowance', `must be a whole number of violating objects, 0 or more, not ${JSON.stringify(allowance)}`);
  }
}

export interface PolicyRolloutInput {
  strategy: PolicyRolloutStrategy;
  record: PolicyRolloutRecord;
  observations: ReadonlyMap<string, PolicyClusterObservation>;
  now: number;
}

export interface StartPolicyRolloutInput extends Omit<PolicyRolloutInput, 'record'> {
  version: number;
  previous: PolicyHold;
  fleet: readonly FleetCluster[];
  /** The clusters the version's scope takes in. */
  targets: readonly string[];
}

/** Plans a new policy rollout and takes its first step, so its first batch audits the version at once. */
export function startPolicyRollout({ version, previous, strategy, fleet, targets, observations, now }: StartPolicyRolloutInput): PolicyRolloutStep {
  validatePolicyRolloutStrategy(strategy);
  const stages: PolicyStageProgress[] = planBatches(strategy.stages, fleet, targets).map(({ name, batches }) => ({
    name,
    phase: 'Pending',
    batches: batches.map((clusters) => ({ phase: 'Pending', clusters })),
  }));
  const clusters: Record<string, PolicyClusterProgress> = {};
  for (const cluster of stages.flatMap((stage) => stage.batches.flatMap((batch) => batch.clusters))) clusters[cluster] = { cluster, phase: 'Pending', since: now, violations: [] };
  const record: PolicyRolloutRecord = { version, previous, state: 'Progressing', reason: '', stages, clusters, startedAt: now, finishedAt: null };
  const step: PolicyRolloutStep = { record, events: [{ type: 'policy.rollout.started' }] };
  advance(step, { strategy, record, observations, now });
  return step;
}

/** The rollout's next step from what the hub observes now; the input record is left as it was. */
export function stepPolicyRollout(input: PolicyRolloutInput): PolicyRolloutStep {
  const step: PolicyRolloutStep = { record: structuredClone(input.record), events: [] };
  advance(step, { ...input, record: step.record });
  return step;
}

/** Applies an operator's action, then steps, so a resume judges the stage again at once. Throws RolloutActionError when the state does not allow it. */
export function actOnPolicyRollout({ action, ...input }: PolicyRolloutInput & { action: PolicyRolloutAction }): PolicyRolloutStep {
  const record = structuredClone(input.record);
  const step: PolicyRolloutStep = { record, events: [] };
  const refuse = (allowed: string): never => {
    throw new RolloutActionError(`cannot ${action.type} a policy rollout that is ${record.state}: only ${allowed}`);
  };
  const reason = action.reason ? { reason: action.reason } : {};
  switch (action.type) {
    case 'pause':
      if (record.state !== 'Progressing') refuse('a progressing one');
      record.state = 'Paused';
      record.reason = action.reason;
      step.events.push({ type: 'policy.rollout.paused', ...reason });
      return step;
    case 'resume':
      if (record.state !== 'Paused') refuse('a paused one');
      record.state = 'Progressing';
      record.reason = '';
      step.events.push({ type: 'policy.rollout.resumed', ...reason });
      advance(step, { ...input, record });
      return step;
    case 'abort':
      if (finishedPolicyRolloutStates.has(record.state)) refuse('one in flight');
      finish(record, 'Aborted', action.reason, input.now);
      step.events.push({ type: 'policy.rollout.aborted', ...reason });
      return step;
    case 'rollback':
      if (finishedPolicyRolloutStates.has(record.state) && record.state !== 'Succeeded') refuse('one in flight or one that succeeded');
      finish(record, 'RolledBack', action.reason, input.now);
      step.events.push({ type: 'policy.rollout.rolled-back', ...reason });
      return step;
  }
}

/** A newer version of the policy was saved: the rollout ends, and the version saved is in force as saved. */
export function supersedePolicyRollout(record: PolicyRolloutRecord, now: number, reason: string): PolicyRolloutStep {
  if (finishedPolicyRolloutStates.has(record.state)) throw new RolloutActionError(`a ${record.state} policy rollout cannot be superseded: it has ended`);
  const superseded = structuredClone(record);
  finish(superseded, 'Superseded', reason, now);
  return { record: superseded, events: [{ type: 'policy.rollout.superseded', reason }] };
}

/** Violating objects of a cluster, each counted once however many rules it fails. */
export function violatingObjectCount(violations: readonly PolicyObjectViolation[]): number {
  return new Set(violations.map(objectName)).size;
}

function finish(record: PolicyRolloutRecord, state: 'Aborted' | 'RolledBack' | 'Superseded', reason: string, now: number): void {
  record.state = state;
  record.reason = reason;
  record.finishedAt = now;
}

/** Moves the rollout on as far as the observations and the time allow; stepping again with the same inputs changes nothing. */
function advance(step: PolicyRolloutStep, { strategy, record, observations, now }: PolicyRolloutInput): void {
  if (finishedPolicyRolloutStates.has(record.state)) return;
  // Also while paused: the violations it paused on are seen going away as they are fixed.
  for (const cluster of Object.values(record.clusters)) {
    if (cluster.phase !== 'Pending') cluster.violations = observations.get(cluster.cluster)?.violations ?? cluster.violations;
  }
  if (record.state !== 'Progressing') return;
  const allowance = strategy.allowance ?? 0;
  for (;;) {
    const stage = record.stages.find((candidate) => candidate.phase !== 'Enforced');
    if (!stage) {
      record.state = 'Succeeded';
      record.reason = '';
      record.finishedAt = now;
      step.events.push({ type: 'policy.rollout.succeeded' });
      return;
    }
    const batch = stage.batches.find((candidate) => candidate.phase !== 'Enforced');
    if (!batch) {
      stage.phase = 'Enforced';
      step.events.push({ type: 'policy.rollout.stage.enforced', stage: stage.name });
      continue;
    }
    if (batch.phase === 'Pending') {
      stage.phase = 'Auditing';
      moveBatch(record, batch, 'Auditing', now);
      for (const name of batch.clusters) record.clusters[name].violations = observations.get(name)?.violations ?? [];
    }
    const bake = bakeMs(strategy.stages.find((candidate) => candidate.name === stage.name) ?? { name: stage.name });
    const waiting = batch.clusters.filter((name) => !observations.get(name)?.judged || now - record.clusters[name].since < bake);
    if (waiting.length > 0) {
      record.reason = `stage ${stage.name}: waiting for ${waiting.join(', ')} to audit version ${record.version}${bake > 0 ? ` for ${bake / 1000} s` : ''} and judge its live objects`;
      return;
    }
    const audited = stage.batches.filter((candidate) => candidate.phase !== 'Pending').flatMap((candidate) => candidate.clusters.map((name) => record.clusters[name]));
    const violating = audited.reduce((count, cluster) => count + violatingObjectCount(cluster.violations), 0);
    if (violating > allowance) {
      record.state = 'Paused';
      record.reason = pauseReason(stage.name, audited, violating, allowance);
      step.events.push({ type: 'policy.rollout.paused', stage: stage.name, reason: record.reason });
      return;
    }
    record.reason = '';
    moveBatch(record, batch, 'Enforced', now);
  }
}

function moveBatch(record: PolicyRolloutRecord, batch: PolicyBatchProgress, phase: PolicyRolloutPhase, now: number): void {
  batch.phase = phase;
  for (const name of batch.clusters) Object.assign(record.clusters[name], { phase, since: now });
}

/** Objects named in a pause's reason; the rollout's clusters list them all. */
const namedInReason = 5;

function pauseReason(stage: string, clusters: readonly PolicyClusterProgress[], violating: number, allowance: number): string {
  const objects = clusters.flatMap((cluster) => [...new Set(cluster.violations.map(objectName))].map((object) => `${object} on ${cluster.cluster}`));
  const named = objects.slice(0, namedInReason).join(', ') + (objects.length > namedInReason ? ` and ${objects.length - namedInReason} more` : '');
  return `stage ${stage}: ${violating} violating object${violating === 1 ? '' : 's'}, more than the allowance of ${allowance}: ${named}`;
}

function objectName(violation: PolicyObjectViolation): string {
  return violation.namespace ? `${violation.kind}/${violation.namespace}/${violation.name}` : `${violation.kind}/${violation.name}`;
}
