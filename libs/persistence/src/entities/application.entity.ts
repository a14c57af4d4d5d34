import { Check, Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, OneToMany, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ApplicationTargetEntity } from './application-target.entity';
import type { RolloutStrategy } from '@capstan/rollout';
import type { HealPolicy, IgnoreRule, SyncPolicy } from '@capstan/vocabulary';
import type { RevisionEntity } from './revision.entity';
import { SourceEntity } from './source.entity';

/** What to deploy (a source and base path) and where (targets: groups with their overlays). */
@Entity({ name: 'applications' })
@Check('ck_applications_sync_policy', `sync_policy IN ('auto', 'manual')`)
@Check('ck_applications_heal_policy', `heal_policy IN ('auto', 'approve', 'alert')`)
export class ApplicationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ name: 'source_id', type: 'uuid' })
  sourceId: string;

  @ManyToOne(() => SourceEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'source_id' })
  source?: SourceEntity;

  @Column({ name: 'base_path', type: 'text' })
  basePath: string;

  @Column({ name: 'sync_policy', type: 'varchar', length: 16, default: 'auto' })
  syncPolicy: SyncPolicy;

  @Column({ type: 'boolean', default: false })
  prune: boolean;

  @Column({ name: 'heal_policy', type: 'varchar', length: 16, default: 'auto' })
  healPolicy: HealPolicy;

  /** Fields other controllers own in this application's objects. */
  @Column({ name: 'ignore_rules', type: 'jsonb', default: () => "'[]'" })
  ignoreRules: IgnoreRule[];

  /** How new revisions reach the clusters: in stages with health gates; null for everywhere at once. */
  @Column({ name: 'rollout_strategy', type: 'jsonb', nullable: true })
  rolloutStrategy: RolloutStrategy | null;

  /** The last good revision: what the fleet should run. A failed render never replaces it. */
  @Column({ name: 'current_revision_id', type: 'uuid', nullable: true })
  currentRevisionId: string | null;

  @ManyToOne('RevisionEntity', { onDelete: 'SET NULL', createForeignKeyConstraints: true })
  @JoinColumn({ name: 'current_revision_id' })
  currentRevision?: RevisionEntity;

  @OneToMany(() => ApplicationTargetEntity, (target) => target.application, { cascade: true })
  targets?: ApplicationTargetEntity[];

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
