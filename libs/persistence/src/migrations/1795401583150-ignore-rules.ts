import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Ignore rules per application and cluster group. */
export class IgnoreRules1795401583150 implements MigrationInterface {
  name = 'IgnoreRules1795401583150';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_groups" ADD "ignore_rules" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE "applications" ADD "ignore_rules" jsonb NOT NULL DEFAULT '[]'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "ignore_rules"`);
    await queryRunner.query(`ALTER TABLE "cluster_groups" DROP COLUMN "ignore_rules"`);
  }
}
