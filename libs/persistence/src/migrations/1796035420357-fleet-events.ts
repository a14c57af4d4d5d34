import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Fleet events: drift, heal instructions and results, checksum mismatches, linked by drift. */
export class FleetEvents1796035420357 implements MigrationInterface {
  name = 'FleetEvents1796035420357';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "fleet_events" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "occurred_at" TIMESTAMP WITH TIME ZONE NOT NULL, "type" character varying(32) NOT NULL, "cluster_id" uuid NOT NULL, "application_id" uuid, "drift_id" uuid, "subject" text NOT NULL DEFAULT '', "details" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched')), CONSTRAINT "PK_adc073b71a726e04b4ed8a89fcd" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_fleet_events_drift" ON "fleet_events" ("drift_id")`);
    await queryRunner.query(`CREATE INDEX "ix_fleet_events_cluster" ON "fleet_events" ("cluster_id", "id")`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "FK_fd2408bfe1e5e58a91c433479a6" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "FK_c572af49b3e599b53a03172d691" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "FK_07f8cfab66f90c74af65aa942ea" FOREIGN KEY ("drift_id") REFERENCES "drifts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "FK_07f8cfab66f90c74af65aa942ea"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "FK_c572af49b3e599b53a03172d691"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "FK_fd2408bfe1e5e58a91c433479a6"`);
    await queryRunner.query(`DROP INDEX "public"."ix_fleet_events_cluster"`);
    await queryRunner.query(`DROP INDEX "public"."ix_fleet_events_drift"`);
    await queryRunner.query(`DROP TABLE "fleet_events"`);
  }
}
