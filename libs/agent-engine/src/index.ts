export * from './agent';
export * from './bundle-verification';
export * from './hub-client';
