import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Why an agent cannot watch some of an application's objects, as its last status said; null while every watch runs. */
export class StatusWatchErrors1796120000000 implements MigrationInterface {
  name = 'StatusWatchErrors1796120000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" ADD "watch_error" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" DROP COLUMN "watch_error"`);
  }
}
