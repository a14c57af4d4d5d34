import { Check, Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import type { PolicyMode, Violation } from '@capstan/policy';
import type { RevisionStatus } from './policies';

/** A violation found in the bundle rendered for `cluster`, by version `policyVersion` of its policy in `mode`. */
export interface RevisionPolicyViolation extends Violation {
  cluster: string;
  policyVersion: number;
  mode: PolicyMode;
}

/**
 * An application rendered at one commit: the unit of rollout and rollback. Once rendered it never
 * changes; what each cluster runs is its desired-state record. A revision that failed only because
 * of placement (a cluster in two targeted groups) is rendered again when placement changes.
 */
@Entity({ name: 'revisions' })
@Unique('uq_revisions_commit', ['applicationId', 'commitSha'])
@Index('ix_revisions_application_created', ['applicationId', 'createdAt'])
@Check('ck_revisions_status', `status IN ('rendered', 'failed')`)
export class RevisionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  /** Monotonic across revisions: orders history exactly, unlike timestamps. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', unique: true })
  sequence: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'commit_sha', type: 'varchar', length: 64 })
  commitSha: string;

  @Column({ type: 'text', default: '' })
  author: string;

  @Column({ type: 'text', default: '' })
  message: string;

  @Column({ name: 'committed_at', type: 'timestamptz' })
  committedAt: Date;

  @Column({ type: 'varchar', length: 16 })
  status: RevisionStatus;

  /** Why rendering failed (file and field), when it did. */
  @Column({ type: 'text', nullable: true })
  error: string | null;

  /** The render failed only because a cluster was in two targeted groups: placement changes may mend it. */
  @Column({ name: 'failed_on_placement', type: 'boolean', default: false })
  failedOnPlacement: boolean;

  /** Cluster name → digest of the bundle rendered for it, for the clusters its targets reached when rendered. */
  @Column({ name: 'cluster_digests', type: 'jsonb', default: () => "'{}'" })
  clusterDigests: Record<string, string>;

  /**
   * What the policies in force found in the bundle of each cluster it was rendered for, with the
   * policy's version and mode: under `enforce` the cluster was not given this revision (it is
   * left out of `clusterDigests` and keeps what it runs); under `warn` and `audit` it was.
   */
  @Column({ name: 'policy_violations', type: 'jsonb', default: () => "'[]'" })
  policyViolations: RevisionPolicyViolation[];

  /** When a rollout of it failed and rolled back: nothing rolls it out again by itself (a new commit or an explicit startRollout still can). */
  @Column({ name: 'rejected_at', type: 'timestamptz', nullable: true })
  rejectedAt: Date | null;

  /** Why it was rejected: the rollout's reason. */
  @Column({ name: 'rejected_reason', type: 'text', nullable: true })
  rejectedReason: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
