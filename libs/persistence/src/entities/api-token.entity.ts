import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { TokenRole } from './policies';

/** A bearer token for the API. Only its SHA-256 is stored; the token itself is shown once. */
@Entity({ name: 'api_tokens' })
@Check('ck_api_tokens_role', `role IN ('viewer', 'operator', 'admin')`)
export class ApiTokenEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'varchar', length: 16 })
  role: TokenRole;

  /** Cluster group names the token may change; null means every group. */
  @Column({ name: 'group_scope', type: 'text', array: true, nullable: true })
  groupScope: string[] | null;

  @Column({ name: 'token_hash', type: 'char', length: 64, unique: true })
  tokenHash: string;

  @Column({ name: 'created_by', type: 'text' })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;
}
