/*
 * The words Capstan's hub, agent, protocol and API share, defined once: what an apply did
 * (ChangeSet), what names an object (ObjectRef), heal and sync policies, ignore rules, drift and
 * desired-state vocabulary, live policy compliance.
 */
export * from './change-set';
export * from './compliance';
export * from './desired-state';
export * from './drift';
export * from './object-ref';
export * from './policies';
