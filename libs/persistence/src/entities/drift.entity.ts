import type { DriftResolution, DriftStatus, ObjectRef } from '@capstan/vocabulary';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';


/** One field of a drifted object: where, what git says, what is live, and who changed it. */
export interface FieldDriftRecord {
  path: string;
  desired: string;
  live: string;
  changedBy: string;
}

/** A managed object found to differ from git, and what became of it: being healed, held for approval, only alerted, or resolved (and how). */
@Entity({ name: 'drifts' })
@Index('ix_drifts_cluster_status', ['clusterId', 'status'])
@Check('ck_drifts_status', `status IN ('healing', 'held', 'alerted', 'resolved')`)
@Check('ck_drifts_resolution', `(status = 'resolved') = (resolution IS NOT NULL) AND resolution IN ('healed', 'reverted', 'superseded')`)
export class DriftEntity {
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

  /** `Kind/namespace/name`. */
  @Column({ type: 'text' })
  subject: string;

  /** What a heal re-applies. */
  @Column({ name: 'object_ref', type: 'jsonb' })
  objectRef: ObjectRef;

  /** The revision the object was judged against when the drift was seen; null when the agent did not say. */
  @Column({ name: 'revision_id', type: 'uuid', nullable: true })
  revisionId: string | null;

  @Column({ name: 'object_deleted', type: 'boolean', default: false })
  objectDeleted: boolean;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  fields: FieldDriftRecord[];

  @Column({ type: 'varchar', length: 16 })
  status: DriftStatus;

  @Column({ name: 'detected_at', type: 'timestamptz' })
  detectedAt: Date;

  @Column({ name: 'instructed_at', type: 'timestamptz', nullable: true })
  instructedAt: Date | null;

  /** When the object matched git again. */
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt: Date | null;

  /** How it ended, once resolved. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  resolution: DriftResolution | null;

  /** The field manager that put the object back, as the agent saw it (`capstan` for Capstan's own apply). */
  @Column({ name: 'restored_by', type: 'text', nullable: true })
  restoredBy: string | null;
}
