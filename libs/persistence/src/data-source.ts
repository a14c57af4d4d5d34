import { DataSource } from 'typeorm';
import {
  ApiTokenEntity,
  ApplicationEntity,
  ApplicationTargetEntity,
  AuditEntryEntity,
  ClusterApplicationStatusEntity,
  ClusterCredentialEntity,
  ClusterEntity,
  ClusterGroupEntity,
  ClusterRegistrationEntity,
  ComplianceStateEntity,
  ComplianceTransitionEntity,
  DesiredStateEntity,
  DriftEntity,
  FleetEventEntity,
  PolicyEntity,
  PolicyRolloutEntity,
  PolicyVersionEntity,
  RenderedBundleEntity,
  ResourceStatusEntity,
  RevisionEntity,
  RolloutEntity,
  SourceEntity,
} from './entities';
import { migrations } from './migrations';

export const entityClasses = [
  ApiTokenEntity,
  ApplicationEntity,
  ApplicationTargetEntity,
  AuditEntryEntity,
  ClusterApplicationStatusEntity,
  ClusterCredentialEntity,
  ClusterEntity,
  ClusterGroupEntity,
  ClusterRegistrationEntity,
  ComplianceStateEntity,
  ComplianceTransitionEntity,
  DesiredStateEntity,
  DriftEntity,
  FleetEventEntity,
  PolicyEntity,
  PolicyRolloutEntity,
  PolicyVersionEntity,
  RenderedBundleEntity,
  ResourceStatusEntity,
  RevisionEntity,
  RolloutEntity,
  SourceEntity,
];

export interface DataSourceOptions {
  url: string;
  /** Connections in the pool; 1 for PGlite, which is a single session. */
  poolSize: number;
}

/** A TypeORM data source over Capstan's schema. The schema comes from migrations only, never `synchronize`. */
export function createDataSource({ url, poolSize }: DataSourceOptions): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: entityClasses,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    extra: { max: poolSize, connectionTimeoutMillis: 10_000 },
  });
}
