import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import type { ApplicationEntity } from './application.entity';
import { ClusterGroupEntity } from './cluster-group.entity';

/** One cluster group an application is deployed to, with the overlay and variables it renders with. */
@Entity({ name: 'application_targets' })
@Unique('uq_application_targets_group', ['applicationId', 'groupId'])
@Index('ix_application_targets_group', ['groupId'])
export class ApplicationTargetEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'application_id', type: 'uuid' })
  applicationId: string;

  @ManyToOne('ApplicationEntity', 'targets', { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'application_id' })
  application?: ApplicationEntity;

  @Column({ name: 'group_id', type: 'uuid' })
  groupId: string;

  @ManyToOne(() => ClusterGroupEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'group_id' })
  group?: ClusterGroupEntity;

  /** Overlay directory, relative to the source path; empty renders the base alone. */
  @Column({ name: 'overlay_path', type: 'text', default: '' })
  overlayPath: string;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  variables: Record<string, string>;
}
