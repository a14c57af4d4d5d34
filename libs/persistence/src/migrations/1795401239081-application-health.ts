import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The health agents report per application. */
export class ApplicationHealth1795401239081 implements MigrationInterface {
  name = 'ApplicationHealth1795401239081';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" ADD "health_status" character varying(16) NOT NULL DEFAULT 'Unknown'`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" ADD "health_message" text NOT NULL DEFAULT ''`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" DROP COLUMN "health_message"`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" DROP COLUMN "health_status"`);
  }
}
