import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';
import { RevisionEntity } from './revision.entity';

export const syncStates = ['Synced', 'OutOfSync', 'Failed'] as const;
export type SyncStateName = (typeof syncStates)[number];

/** One change an apply made, as the agent reported it. */
export interface ChangeSetEntryRecord {
  subject: string;
  action: string;
  message: string;
}

/** The last status an agent reported for one application on its cluster. */
@Entity({ name: 'cluster_application_statuses' })
@Unique('uq_cluster_application_statuses', ['clusterId', 'applicationId'])
export class ClusterApplicationStatusEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'revision_id', type: 'uuid', nullable: true })
  revisionId: string | null;

  /** The revision the agent applied last; a report may outlive it, so no foreign key. */
  @ManyToOne(() => RevisionEntity, { createForeignKeyConstraints: false })
  @JoinColumn({ name: 'revision_id' })
  revision?: RevisionEntity | null;

  @Column({ name: 'bundle_digest', type: 'varchar', length: 71 })
  bundleDigest: string;

  @Column({ name: 'sync_state', type: 'varchar', length: 16 })
  syncState: SyncStateName;

  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** Why the agent cannot watch some of the application's objects (it retries); null while every watch runs. */
  @Column({ name: 'watch_error', type: 'text', nullable: true })
  watchError: string | null;

  /** Healthy, Progressing, Degraded, Suspended, Missing or Unknown: the least healthy of the application's objects. */
  @Column({ name: 'health_status', type: 'varchar', length: 16, default: 'Unknown' })
  healthStatus: string;

  @Column({ name: 'health_message', type: 'text', default: '' })
  healthMessage: string;

  /** The ChangeSet of the last apply. */
  @Column({ name: 'change_set', type: 'jsonb', default: () => "'[]'" })
  changeSet: ChangeSetEntryRecord[];

  @Column({ name: 'reported_at', type: 'timestamptz' })
  reportedAt: Date;
}
