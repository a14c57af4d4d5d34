export * from './node-render-fs';
