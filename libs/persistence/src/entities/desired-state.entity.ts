import type { DesiredStateCause } from '@capstan/vocabulary';
import { desiredStateCauses } from '@capstan/vocabulary';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';
import { RevisionEntity } from './revision.entity';

/**
 * What one cluster should run of one application now: the revision and the bundle rendered of it
 * for that cluster, and what set it. One application may be at different revisions on different
 * clusters; agents receive exactly these rows.
 */
@Entity({ name: 'desired_states' })
@Index('ix_desired_states_application', ['applicationId'])
@Index('ix_desired_states_revision', ['revisionId'])
@Check('ck_desired_states_cause', `cause IN (${desiredStateCauses.map((cause) => `'${cause}'`).join(', ')})`)
export class DesiredStateEntity {
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

  @Column({ name: 'revision_id', type: 'uuid' })
  revisionId: string;

  @ManyToOne(() => RevisionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'revision_id' })
  revision?: RevisionEntity;

  @Column({ name: 'bundle_digest', type: 'varchar', length: 71 })
  bundleDigest: string;

  @Column({ type: 'varchar', length: 16 })
  cause: DesiredStateCause;

  /** Who set it, as the audit log names actors (`system` for a new commit or a placement change). */
  @Column({ name: 'set_by', type: 'text' })
  setBy: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
