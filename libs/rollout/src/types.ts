/*
 * The words of a rollout, defined once for the planner, the hub's service and its GraphQL types.
 * Everything here is plain data (JSON-safe): a rollout's record is stored as is and planned again
 * from it, so a restarted hub resumes exactly where it was. Times are milliseconds since the epoch.
 */

/** A number of clusters, or a share of a stage's clusters ("25%"). */
export type ClusterBudget = number | `${number}%`;

/** One wave of a rollout: which clusters, how many at once, what may fail, how long to bake, what to wait for. */
export interface StageStrategy {
  name: string;
  /** Clusters in any of these groups (by name); with `selector` too, both must hold. */
  groups?: string[];
  /** Clusters whose labels match this label selector (Kubernetes syntax). */
  selector?: string;
  /** Clusters updating at once: a batch. Default "100%". A share is of the stage's clusters, rounded down, at least 1. */
  maxConcurrency?: ClusterBudget;
  /** Failed or timed-out clusters the stage tolerates. Default 0. A share is of the stage's clusters, rounded down. */
  maxFailures?: ClusterBudget;
  /** How long each updated cluster stays Synced and Healthy at the new revision, with no open drift, before it counts as succeeded. Default 0. */
  minBakeTimeSeconds?: number;
  /** How long a started cluster has to become Healthy at the new revision before it has timed out. Default 600. */
  progressDeadlineSeconds?: number;
  /** A manual gate before the stage starts. */
  approvalBefore?: boolean;
  /** A manual gate after the stage succeeded, before the next one starts. */
  approvalAfter?: boolean;
  /** Clusters start in the order of this label's value, then of their names (by name alone without it). */
  orderByLabel?: string;
}

export const rolloutFailureActions = ['pause', 'rollback'] as const;
export type RolloutFailureAction = (typeof rolloutFailureActions)[number];

/** What a newer revision does to a rollout in flight: replaces it (from the first stage), or waits until it ends. */
export const newerRevisionActions = ['supersede', 'queue'] as const;
export type NewerRevisionAction = (typeof newerRevisionActions)[number];

/** How an application's new revisions reach its clusters; without one, everywhere at once. */
export interface RolloutStrategy {
  stages: StageStrategy[];
  /** Default 'pause'. */
  onFailure?: RolloutFailureAction;
  /** At most this many clusters started per minute across the rollout (optional). */
  maxClustersPerMinute?: number;
  /** Default 'supersede'. */
  onNewerRevision?: NewerRevisionAction;
}

/** The name of the stage that takes the clusters no stage selects: none is silently left out. */
export const remainingStageName = 'remaining';

/** A cluster as stage selection sees it. */
export interface FleetCluster {
  name: string;
  labels: Record<string, string>;
  /** Names of the groups it is a member of. */
  groups: string[];
}

/** What a cluster's desired state names for the application. */
export interface RevisionRef {
  revisionId: string;
  bundleDigest: string;
}

/** What the hub knows of one cluster now, for the rollout's application. */
export interface ClusterObservation {
  cluster: string;
  /** Whether its agent is connected. */
  connected: boolean;
  /** Whether an operator paused it: its agent applies nothing until it is resumed. */
  paused: boolean;
  /** What its desired state names now; null when the application is not set to run there. */
  desired: RevisionRef | null;
  /** The agent's latest status of the application; null before its first. */
  reported: {
    /** The bundle it applied last. */
    bundleDigest: string;
    /** Synced, OutOfSync or Failed. */
    syncState: string;
    /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown, with the message naming the object. */
    health: { status: string; message: string };
    /** Why its last deploy failed (the objects and the API's messages); empty when it did not. */
    error: string;
    reportedAt: number;
  } | null;
  /** Whether it has drift not yet ended. */
  openDrift: boolean;
}

export const rolloutStates = ['Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'Succeeded', 'Failed', 'RollingBack', 'RolledBack', 'Aborted', 'Superseded'] as const;
export type RolloutState = (typeof rolloutStates)[number];
/** States a rollout never leaves. */
export const finishedRolloutStates: ReadonlySet<RolloutState> = new Set(['Succeeded', 'Failed', 'RolledBack', 'Aborted', 'Superseded']);

export const clusterRolloutStates = ['Pending', 'Updating', 'Baking', 'Succeeded', 'Failed', 'TimedOut', 'Skipped', 'RolledBack'] as const;
export type ClusterRolloutState = (typeof clusterRolloutStates)[number];

export const stageStates = ['Pending', 'WaitingForApproval', 'Progressing', 'Succeeded', 'Failed'] as const;
export type StageState = (typeof stageStates)[number];

export const batchStates = ['Pending', 'Progressing', 'Succeeded', 'Failed'] as const;
export type BatchState = (typeof batchStates)[number];

/** One cluster's part in a rollout. */
export interface ClusterProgress {
  cluster: string;
  state: ClusterRolloutState;
  /** When it entered `state`. */
  since: number;
  /** When the rollout set its desired state to the target; null until then. */
  startedAt: number | null;
  /** Since when it has been Synced and Healthy at the target with no open drift; null while it is not. */
  healthySince: number | null;
  /** Why it failed, timed out, was skipped or rolled back (naming the object and its health message); empty otherwise. */
  reason: string;
  /** What it ran before the rollout changed it (null: nothing), to return to on rollback. */
  previous: RevisionRef | null;
  /** The target's bundle for this cluster. */
  target: RevisionRef;
}

export interface BatchProgress {
  state: BatchState;
  /** Cluster names, in start order. */
  clusters: string[];
}

export interface StageProgress {
  name: string;
  state: StageState;
  /** maxConcurrency and maxFailures resolved to counts for this stage's clusters. */
  maxConcurrency: number;
  maxFailures: number;
  /** Failures accepted by an operator's resume: they no longer count against maxFailures. */
  acceptedFailures: number;
  approvedBefore: boolean;
  approvedAfter: boolean;
  batches: BatchProgress[];
}

/** What a rollout waits on now, and until when (null: until someone acts). */
export interface RolloutGate {
  kind: 'approval-before' | 'approval-after' | 'bake' | 'health' | 'pacing' | 'failure';
  stage: string;
  until: number | null;
}

/** A rollout's whole record: planned from, stored, and planned from again. */
export interface RolloutRecord {
  /** The revision being rolled out. */
  revisionId: string;
  state: RolloutState;
  /** Why it is in its state (what failed, who paused it); empty when there is nothing to say. */
  reason: string;
  stages: StageProgress[];
  /** Every cluster of the rollout, by name. */
  clusters: Record<string, ClusterProgress>;
  gate: RolloutGate | null;
  /** When each cluster was started within the last minute, for `maxClustersPerMinute`. */
  recentStarts: number[];
  startedAt: number;
  finishedAt: number | null;
}

/** A desired-state record to write: the cluster runs `to` (null: the application leaves it). */
export interface DesiredChange {
  cluster: string;
  to: RevisionRef | null;
  cause: 'rollout' | 'rollback';
}

export const rolloutEventTypes = [
  'rollout.started',
  'rollout.stage.started',
  'rollout.stage.completed',
  'rollout.cluster.succeeded',
  'rollout.cluster.failed',
  'rollout.cluster.skipped',
  'rollout.waiting-for-approval',
  'rollout.paused',
  'rollout.resumed',
  'rollout.rolling-back',
  'rollout.rolled-back',
  'rollout.succeeded',
  /** A rollback that did not complete within the longest progress deadline. */
  'rollout.failed',
  'rollout.aborted',
  'rollout.superseded',
] as const;
export type RolloutEventType = (typeof rolloutEventTypes)[number];

export interface RolloutEvent {
  type: RolloutEventType;
  stage?: string;
  cluster?: string;
  /** Why, in words (a failed cluster's reason, who paused and why). */
  reason?: string;
}

/** What one planning step decided: the record as it is now, the desired states to write, what happened. */
export interface RolloutStep {
  record: RolloutRecord;
  desired: DesiredChange[];
  events: RolloutEvent[];
}

/** An operator's action on a rollout. */
export type RolloutAction =
  | { type: 'pause'; reason: string }
  | { type: 'resume'; reason: string }
  /** Skips the gate the rollout waits on: an approval, or the bake of the clusters baking now. */
  | { type: 'promote'; reason: string }
  | { type: 'approve'; stage: string; reason: string }
  | { type: 'abort'; reason: string }
  /** Starts the failed and timed-out clusters of the current stage again. */
  | { type: 'retry'; reason: string };

/** An action the rollout's state does not allow (approving a stage that waits for nothing, resuming a finished rollout): a client's mistake, named. */
export class RolloutActionError extends Error {}

/** A strategy that cannot be followed (no stages, a bad selector, a budget that is not a count or a share). */
export class RolloutStrategyError extends Error {
  constructor(
    /** The field at fault, as `stages[1].maxConcurrency`. */
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
