import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { SourceAuthKind } from './policies';

/** A git repository and ref that applications render from. */
@Entity({ name: 'sources' })
@Check('ck_sources_poll_interval', 'poll_interval_seconds > 0')
@Check('ck_sources_auth_kind', `auth_kind IN ('none', 'https-token', 'ssh-key')`)
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

  /** Folder in the repository whose files are fleet-wide policies; null: the source holds none. */
  @Column({ name: 'policy_path', type: 'text', nullable: true })
  policyPath: string | null;

  @Column({ name: 'poll_interval_seconds', type: 'integer', default: 60 })
  pollIntervalSeconds: number;

  @Column({ name: 'require_signed_commits', type: 'boolean', default: false })
  requireSignedCommits: boolean;

  /** Public keys commits must be signed with: ASCII-armoured GPG keys, or SSH allowed-signers lines. */
  @Column({ name: 'signing_keys', type: 'text', nullable: true })
  signingKeys: string | null;

  @Column({ name: 'auth_kind', type: 'varchar', length: 16, default: 'none' })
  authKind: SourceAuthKind;

  /** User name for https token auth (many hosts accept any, e.g. `git` or `oauth2`). */
  @Column({ name: 'auth_username', type: 'text', nullable: true })
  authUsername: string | null;

  /** The https token or SSH private key, encrypted with the hub's secret key. */
  @Column({ name: 'auth_secret', type: 'text', nullable: true })
  authSecret: string | null;

  /** Shared secret of push webhooks, encrypted with the hub's secret key. */
  @Column({ name: 'webhook_secret', type: 'text', nullable: true })
  webhookSecret: string | null;

  @Column({ name: 'last_commit_sha', type: 'varchar', length: 64, nullable: true })
  lastCommitSha: string | null;

  @Column({ name: 'last_fetched_at', type: 'timestamptz', nullable: true })
  lastFetchedAt: Date | null;

  /** Why the last fetch, verification or render failed; null after a success. */
  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
