import { Check, Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { HealPolicy, IgnoreRule } from '@capstan/vocabulary';

/** A named set of clusters: those matching its label selector plus its explicit members. */
@Entity({ name: 'cluster_groups' })
@Check('ck_cluster_groups_heal_policy', `heal_policy IN ('auto', 'approve', 'alert')`)
export class ClusterGroupEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  /** Label selector in its string form (`env=prod,region in (eu,us)`); null selects by members only. */
  @Column({ type: 'text', nullable: true })
  selector: string | null;

  /** Cluster names that belong to the group whatever their labels. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  members: string[];

  /** Render variables (`${var.name}`) for every application targeting this group. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  variables: Record<string, string>;

  /** Fields other controllers own, for every application in this group. */
  @Column({ name: 'ignore_rules', type: 'jsonb', default: () => "'[]'" })
  ignoreRules: IgnoreRule[];

  /** Overrides the heal policy of the applications targeting this group. */
  @Column({ name: 'heal_policy', type: 'varchar', length: 16, nullable: true })
  healPolicy: HealPolicy | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
