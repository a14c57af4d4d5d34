import { policyRolloutEventTypes, rolloutEventTypes } from '@capstan/rollout';
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ApplicationEntity } from './application.entity';
import { ClusterEntity } from './cluster.entity';
import { DriftEntity } from './drift.entity';
import { PolicyRolloutEntity } from './policy-rollout.entity';
import { RolloutEntity } from './rollout.entity';

export const fleetEventTypes = ['drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'policy.noncompliant', 'policy.compliant', ...rolloutEventTypes, ...policyRolloutEventTypes] as const;
export type FleetEventType = (typeof fleetEventTypes)[number];

/**
 * Something that happened on a cluster, as its agent and the hub saw it: drift, the heal
 * instruction it got and the heal's result (linked by the drift), a live checksum that did not
 * match, a rollout's steps (linked by the rollout), a bundle a policy kept from a cluster or found violations in, a cluster's live objects becoming non-compliant with a policy or compliant again, a policy rollout's steps (linked by it). Unlike the audit log, which says who changed what, events are observations.
 */
@Entity({ name: 'fleet_events' })
@Index('ix_fleet_events_cluster', ['clusterId', 'id'])
@Index('ix_fleet_events_drift', ['driftId'])
@Index('ix_fleet_events_rollout', ['rolloutId', 'id'])
@Index('ix_fleet_events_policy_rollout', ['policyRolloutId', 'id'])
@Check('ck_fleet_events_type', `type IN (${fleetEventTypes.map((type) => `'${type}'`).join(', ')})`)
export class FleetEventEntity {
  /** Monotonic, so events order and paginate by it. */
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt: Date;

  @Column({ type: 'varchar', length: 32 })
  type: FleetEventType;

  /** The cluster it happened on; null for what concerns a whole rollout. */
  @Column({ name: 'cluster_id', type: 'uuid', nullable: true })
  clusterId: string | null;

  @ManyToOne(() => ClusterEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'cluster_id' })
  cluster?: ClusterEntity | null;

  /** The rollout it belongs to, for rollout events. */
  @Column({ name: 'rollout_id', type: 'uuid', nullable: true })
  rolloutId: string | null;

  @ManyToOne(() => RolloutEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'rollout_id' })
  rollout?: RolloutEntity | null;

  /** The policy rollout it belongs to, for policy rollout events. */
  @Column({ name: 'policy_rollout_id', type: 'uuid', nullable: true })
  policyRolloutId: string | null;

  @ManyToOne(() => PolicyRolloutEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'policy_rollout_id' })
  policyRollout?: PolicyRolloutEntity | null;

  @Column({ name: 'application_id', type: 'uuid', nullable: true })
  applicationId: string | null;

  @ManyToOne(() => ApplicationEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity | null;

  /** The drift this event belongs to: its detection, instruction and heal share it. */
  @Column({ name: 'drift_id', type: 'uuid', nullable: true })
  driftId: string | null;

  @ManyToOne(() => DriftEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'drift_id' })
  drift?: DriftEntity | null;

  /** Kind/namespace/name of the object concerned, when one is. */
  @Column({ type: 'text', default: '' })
  subject: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  details: Record<string, unknown>;
}
