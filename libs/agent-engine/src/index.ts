export * from './agent';
export * from './bundle-verification';
export * from './hub-client';
export * from './agent-command';
