/** What set a cluster's desired state for an application: a new revision, a placement change, a rollback, a rollout step. */
export const desiredStateCauses = ['revision', 'placement', 'rollback', 'rollout'] as const;
export type DesiredStateCause = (typeof desiredStateCauses)[number];
