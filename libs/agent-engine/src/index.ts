export * from './agent';
export * from './bundle-verification';
export * from './hub-client';
export * from './agent-command';
export * from './desired-state-cache';
