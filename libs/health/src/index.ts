export * from './health';
export * from './health-status';
export type { Condition, KubeObject } from './kube-object';
