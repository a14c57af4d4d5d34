import { type PolicyRolloutRecord, type PolicyRolloutState, policyRolloutStates, type PolicyRolloutStrategy } from '@capstan/rollout';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { PolicyEntity } from './policy.entity';

/**
 * One version of a policy rolled out audit → enforce across the clusters its scope takes in, in
 * stages and batches. The planner's whole record is kept as is (as for application rollouts); the
 * policy's latest rollout is what decides, per cluster, the version and mode in force of it.
 */
@Entity({ name: 'policy_rollouts' })
@Index('ix_policy_rollouts_policy', ['policyId', 'sequence'])
@Check('ck_policy_rollouts_state', `state IN (${policyRolloutStates.map((state) => `'${state}'`).join(', ')})`)
export class PolicyRolloutEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Monotonic across policy rollouts: a policy's latest is the one with the highest. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', unique: true })
  sequence: string;

  @Column({ name: 'policy_id', type: 'uuid' })
  policyId: string;

  @ManyToOne(() => PolicyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id' })
  policy?: PolicyEntity;

  /** The version rolled out (also in the record, kept here for queries). */
  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 24 })
  state: PolicyRolloutState;

  @Column({ type: 'jsonb' })
  strategy: PolicyRolloutStrategy;

  @Column({ type: 'jsonb' })
  record: PolicyRolloutRecord;

  /** Who started it, as the audit log names actors. */
  @Column({ name: 'started_by', type: 'text' })
  startedBy: string;

  @Column({ type: 'text', default: '' })
  reason: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt: Date | null;
}
