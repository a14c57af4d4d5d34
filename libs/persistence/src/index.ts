export * from './announcements';
export * from './data-source';
export * from './database';
export * from './database-errors';
export * from './embedded-postgres';
export * from './entities';
export * from './ephemeral-database';
export * from './label-selector.sql';
export { migrations } from './migrations';
