/*
 * Rollout planning, pure: from a strategy, a rollout's record, what the hub knows of each cluster
 * and the time, the next record, the desired states to write and what happened.
 */
export * from './actions';
export * from './budget';
export * from './progress';
export * from './rollout';
export * from './stages';
export * from './step';
export * from './strategy';
export * from './types';
