/*
 * Rollout planning, pure: from a strategy, a rollout's record, what the hub knows of each cluster
 * and the time, the next record, the desired states to write and what happened; and the same for
 * a policy's version rolled out audit → enforce (policy-rollout.ts).
 */
export * from './actions';
export * from './budget';
export * from './policy-rollout';
export * from './progress';
export * from './rollout';
export * from './stages';
export * from './step';
export * from './strategy';
export * from './types';
