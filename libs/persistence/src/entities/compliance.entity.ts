import type { ComplianceViolation, ObjectRef } from '@capstan/vocabulary';
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ClusterEntity } from './cluster.entity';
import { PolicyEntity } from './policy.entity';

/** A live object failing a policy now: which, since when, and the rules it fails. */
export interface ViolatingObjectRecord {
  object: ObjectRef;
  violations: ComplianceViolation[];
  /** ISO 8601: when it last became non-compliant. */
  since: string;
}

/**
 * Where a cluster stands with a policy on its live objects, as its agent last judged them: the
 * version judged and the objects violating it (none: compliant). One row per (cluster, policy),
 * not per object: compliance is read per (cluster, policy), the row also says which version the
 * agent judged (no row, or an older version, reads Unknown), and violating objects are the
 * exception, so the list stays short; the transitions keep the history. Unknown because the
 * agent is away is derived from the cluster's connection, never written.
 */
@Entity({ name: 'compliance_states' })
@Unique('uq_compliance_states', ['clusterId', 'policyId'])
export class ComplianceStateEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ name: 'policy_id', type: 'uuid' })
  policyId: string;

  @ManyToOne(() => PolicyEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_id' })
  policy?: PolicyEntity;

  /** The version the agent judged. */
  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion: number;

  @Column({ type: 'jsonb', default: () => "'[]'" })
  violating: ViolatingObjectRecord[];

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}

/**
 * One live object becoming non-compliant or compliant again under a version of a policy, as an
 * agent saw it. Append-only; kept when the policy is deleted (it names the policy), gone with
 * its cluster.
 */
@Entity({ name: 'compliance_transitions' })
@Index('ix_compliance_transitions_cluster_policy', ['clusterId', 'policy', 'id'])
export class ComplianceTransitionEntity {
  /** Monotonic, so transitions order and paginate by it. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'cluster_id', type: 'uuid' })
  clusterId: string;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity;

  @Column({ type: 'varchar', length: 253 })
  policy: string;

  @Column({ name: 'policy_version', type: 'integer' })
  policyVersion: number;

  @Column({ type: 'text' })
  kind: string;

  /** `''` for cluster-scoped objects. */
  @Column({ type: 'text' })
  namespace: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'boolean' })
  compliant: boolean;

  /** The rules it failed; empty when it became compliant. */
  @Column({ type: 'jsonb', default: () => "'[]'" })
  violations: ComplianceViolation[];

  /** When the agent saw it. */
  @Column({ type: 'timestamptz' })
  at: Date;
}
