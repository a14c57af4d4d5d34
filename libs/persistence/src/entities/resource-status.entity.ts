import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';
import type { SyncStateName } from './cluster-application-status.entity';

/** The last status an agent reported for one object of an application on its cluster. */
@Entity({ name: 'resource_statuses' })
// Deleting an application cascades here: without this index that would read the whole table. With
// the cluster as second column, a lookup by (cluster, application) is as selective here as on the key.
@Index('ix_resource_statuses_application', ['applicationId', 'clusterId'])
export class ResourceStatusEntity {
  @PrimaryColumn({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @PrimaryColumn({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  /** API group; empty for the core group. Versions of one kind are the same object. */
  @PrimaryColumn({ name: 'group', type: 'varchar', length: 253 })
  group: string;

  @PrimaryColumn({ type: 'varchar', length: 253 })
  kind: string;

  /** Empty for cluster-scoped objects. */
  @PrimaryColumn({ type: 'varchar', length: 253 })
  namespace: string;

  @PrimaryColumn({ type: 'varchar', length: 253 })
  name: string;

  @Column({ name: 'sync_state', type: 'varchar', length: 16 })
  syncState: SyncStateName;

  /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown. */
  @Column({ name: 'health_status', type: 'varchar', length: 16 })
  healthStatus: string;

  @Column({ name: 'health_message', type: 'text', default: '' })
  healthMessage: string;

  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt: Date;
}
