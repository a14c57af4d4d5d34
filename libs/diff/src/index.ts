export * from './drift';
export * from './ignore-rules';
export { fieldOwners, lastWriter, type PathSegment } from './managed-fields';
export * from './quantity';
export * from './bundle-diff';
export * from './live-digest';
