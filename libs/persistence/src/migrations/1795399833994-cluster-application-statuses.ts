import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The last status each agent reported per application. */
export class ClusterApplicationStatuses1795399833994 implements MigrationInterface {
  name = 'ClusterApplicationStatuses1795399833994';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "cluster_application_statuses" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cluster_id" uuid NOT NULL, "application_id" uuid NOT NULL, "revision_id" uuid, "bundle_digest" character varying(71) NOT NULL, "sync_state" character varying(16) NOT NULL, "error" text, "change_set" jsonb NOT NULL DEFAULT '[]', "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "uq_cluster_application_statuses" UNIQUE ("cluster_id", "application_id"), CONSTRAINT "PK_1a2a843381e80e25471dcaf138e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" ADD CONSTRAINT "FK_9d64c32cfdcd7655d8db545f5e3" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" ADD CONSTRAINT "FK_0aabd777bccbca8c576aa38c3bf" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" DROP CONSTRAINT "FK_0aabd777bccbca8c576aa38c3bf"`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" DROP CONSTRAINT "FK_9d64c32cfdcd7655d8db545f5e3"`);
    await queryRunner.query(`DROP TABLE "cluster_application_statuses"`);
  }
}
