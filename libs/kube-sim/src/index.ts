export * from './cluster';
export * from './controllers/controller-manager';
export * from './errors';
export * from './kubeconfig';
export * from './server';
export type { ResourceType } from './resource-types';
export type { WatchEvent, WatchOptions } from './watch';
