export * from './overlay';
export * from './render-error';
export * from './render-fs';
export * from './render-template';
