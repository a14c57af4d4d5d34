import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Rendered manifests, content-addressed: identical renders for many clusters are stored once. */
@Entity({ name: 'rendered_bundles' })
export class RenderedBundleEntity {
  /** `sha256:<hex>` of the canonical serialisation of `objects`. */
  @PrimaryColumn({ type: 'varchar', length: 71 })
  digest: string;

  @Column({ type: 'jsonb' })
  objects: Array<Record<string, unknown>>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
