import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/** Who changed what, when and why; written in the transaction of the change itself. */
@Entity({ name: 'audit_entries' })
@Index('ix_audit_entries_at', ['at'])
@Index('ix_audit_entries_actor', ['actor', 'id'])
@Index('ix_audit_entries_target', ['targetType', 'targetName', 'id'])
export class AuditEntryEntity {
  /** Monotonic, so entries order and paginate by it. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at: Date;

  @Column({ type: 'text' })
  actor: string;

  /** e.g. `cluster.create`, `token.revoke`. */
  @Column({ type: 'text' })
  action: string;

  @Column({ name: 'target_type', type: 'text' })
  targetType: string;

  @Column({ name: 'target_name', type: 'text' })
  targetName: string;

  /** What changed: the fields set, or before/after for updates. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  summary: Record<string, unknown>;

  @Column({ type: 'text', nullable: true })
  reason: string | null;
}
