import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';

export const driftStatuses = ['healing', 'held', 'alerted', 'healed'] as const;
export type DriftStatus = (typeof driftStatuses)[number];

/** One field of a drifted object: where, what git says, what is live, and who changed it. */
export interface FieldDriftRecord {
  path: string;
  desired: string;
  live: string;
  changedBy: string;
}

/** A managed object found to differ from git, and what became of it: healed, held for approval, or only alerted. */
@Entity({ name: 'drifts' })
@Index('ix_drifts_cluster_status', ['clusterId', 'status'])
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

  /** group, version, kind, namespace, name: what a heal re-applies. */
  @Column({ name: 'object_ref', type: 'jsonb' })
  objectRef: Record<string, string>;

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

  @Column({ name: 'healed_at', type: 'timestamptz', nullable: true })
  healedAt: Date | null;
}
