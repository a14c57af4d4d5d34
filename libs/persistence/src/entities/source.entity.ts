import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

/** A git repository and ref that applications render from. */
@Entity({ name: 'sources' })
@Check('ck_sources_poll_interval', 'poll_interval_seconds > 0')
export class SourceEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  /** https://, ssh (git@host:repo or ssh://), file:// or a local path. */
  @Column({ type: 'text' })
  url: string;

  /** Branch or tag to follow. */
  @Column({ type: 'text', default: 'main' })
  ref: string;

  /** Folder inside the repository that application paths are relative to. */
  @Column({ type: 'text', default: '' })
  path: string;

  @Column({ name: 'poll_interval_seconds', type: 'integer', default: 60 })
  pollIntervalSeconds: number;

  @Column({ name: 'require_signed_commits', type: 'boolean', default: false })
  requireSignedCommits: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
