import type { Policy, PolicyExemption, PolicyMode, PolicyRule, PolicyScope } from '@capstan/policy';
import { policyModes } from '@capstan/policy';
import { SourceEntity } from './source.entity';
import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

/**
 * A fleet-wide policy as it stands now: its latest version's definition, kept whole so the hub
 * compiles it again from exactly what was saved. Every save is also a row of `policy_versions`.
 */
@Entity({ name: 'policies' })
@Check('ck_policies_mode', `mode IN (${policyModes.map((mode) => `'${mode}'`).join(', ')})`)
export class PolicyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Index('uq_policies_name', { unique: true })
  @Column({ type: 'varchar', length: 253 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'varchar', length: 16 })
  mode: PolicyMode;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  scope: PolicyScope;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  exemptions: PolicyExemption[];

  @Column({ type: 'jsonb' })
  rules: PolicyRule[];

  /** The git source the policy comes from (its `policyPath`), which alone changes it; null: made through the API. */
  @Column({ name: 'source_id', type: 'uuid', nullable: true })
  sourceId: string | null;

  @ManyToOne(() => SourceEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'source_id' })
  source?: SourceEntity;

  /** 1 when created, one more at every update. */
  @Column({ type: 'integer' })
  version: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/** One saved version of a policy, never changed: what a violation recorded under that version was judged by. */
@Entity({ name: 'policy_versions' })
@Unique('uq_policy_versions', ['policyId', 'version'])
export class PolicyVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'policy_id', type: 'uuid' })
  policyId: string;

  @ManyToOne(() => PolicyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id' })
  policy?: PolicyEntity;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'jsonb' })
  definition: Policy;

  /** The actor who saved it, as the audit log names actors. */
  @Column({ name: 'saved_by', type: 'text' })
  savedBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
