import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A registered Kubernetes cluster; its labels place it in cluster groups. */
@Entity({ name: 'clusters' })
// GIN over labels serves `labels @> {...}` selector queries; created in the migration because TypeORM cannot express GIN.
@Index('ix_clusters_labels', { synchronize: false })
export class ClusterEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  labels: Record<string, string>;

  @Column({ name: 'agent_version', type: 'text', nullable: true })
  agentVersion: string | null;

  @Column({ name: 'kubernetes_version', type: 'text', nullable: true })
  kubernetesVersion: string | null;

  /** Paused clusters' agents apply and heal nothing until resumed; they still report. */
  @Column({ type: 'boolean', default: false })
  paused: boolean;

  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true })
  lastSeenAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
