import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The status agents report per object of an application: sync state and health, one row per object. */
export class ResourceStatuses1796034895897 implements MigrationInterface {
  name = 'ResourceStatuses1796034895897';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "resource_statuses" ("cluster_id" uuid NOT NULL, "application_id" uuid NOT NULL, "group" character varying(253) NOT NULL, "kind" character varying(253) NOT NULL, "namespace" character varying(253) NOT NULL, "name" character varying(253) NOT NULL, "sync_state" character varying(16) NOT NULL, "health_status" character varying(16) NOT NULL, "health_message" text NOT NULL DEFAULT '', "reported_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_1e330ecb5cc9bf54de6f298885d" PRIMARY KEY ("cluster_id", "application_id", "group", "kind", "namespace", "name"))`);
    await queryRunner.query(`CREATE INDEX "ix_resource_statuses_application" ON "resource_statuses" ("application_id", "cluster_id")`);
    await queryRunner.query(`ALTER TABLE "resource_statuses" ADD CONSTRAINT "FK_9ab6c2b96f0179e62189c05465e" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "resource_statuses" ADD CONSTRAINT "FK_8a25fc06a31c27c627ab96af17e" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    // Status rows are rewritten by every report: free room on each page keeps those updates HOT, with no index writes.
    await queryRunner.query(`ALTER TABLE "resource_statuses" SET (fillfactor = 50)`);
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" SET (fillfactor = 50)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_application_statuses" RESET (fillfactor)`);
    await queryRunner.query(`ALTER TABLE "resource_statuses" DROP CONSTRAINT "FK_8a25fc06a31c27c627ab96af17e"`);
    await queryRunner.query(`ALTER TABLE "resource_statuses" DROP CONSTRAINT "FK_9ab6c2b96f0179e62189c05465e"`);
    await queryRunner.query(`DROP INDEX "public"."ix_resource_statuses_application"`);
    await queryRunner.query(`DROP TABLE "resource_statuses"`);
  }
}
