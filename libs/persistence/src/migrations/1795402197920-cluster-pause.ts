import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Clusters can be paused. */
export class ClusterPause1795402197920 implements MigrationInterface {
  name = 'ClusterPause1795402197920';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clusters" ADD "paused" boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "clusters" DROP COLUMN "paused"`);
  }
}
