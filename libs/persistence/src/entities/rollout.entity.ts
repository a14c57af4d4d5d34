import { type RolloutRecord, type RolloutState, rolloutStates, type RolloutStrategy } from '@capstan/rollout';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { RevisionEntity } from './revision.entity';

/**
 * One revision's progress across an application's clusters, in stages and batches with health
 * gates. The planner's whole record is kept as is, so any hub replica (or a restarted one) plans
 * the next step from exactly where it stands; `state` mirrors the record's for queries.
 */
@Entity({ name: 'rollouts' })
@Index('ix_rollouts_application', ['applicationId', 'sequence'])
@Index('ix_rollouts_active', ['state'], { where: `state IN ('Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'RollingBack')` })
@Check('ck_rollouts_state', `state IN (${rolloutStates.map((state) => `'${state}'`).join(', ')})`)
export class RolloutEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Monotonic across rollouts: orders them exactly. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', unique: true })
  sequence: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'revision_id', type: 'uuid' })
  revisionId: string;

  @ManyToOne(() => RevisionEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'revision_id' })
  revision?: RevisionEntity;

  @Column({ type: 'varchar', length: 24 })
  state: RolloutState;

  /** The strategy as it was when the rollout started: a later change of the application's does not move it. */
  @Column({ type: 'jsonb' })
  strategy: RolloutStrategy;

  @Column({ type: 'jsonb' })
  record: RolloutRecord;

  /** Who or what started it, as the audit log names actors (`system` for a new commit). */
  @Column({ name: 'started_by', type: 'text' })
  startedBy: string;

  @Column({ type: 'text', default: '' })
  reason: string;

  /** Whether it returns clusters to an earlier revision (a rollback through the stages). */
  @Column({ name: 'is_rollback', type: 'boolean', default: false })
  isRollback: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
