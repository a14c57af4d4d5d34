import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Desired state as a record per (cluster, application), filled from the revisions in force;
 * revisions that failed only on placement, to be rendered again when placement changes; drift
 * that ends (resolved, with how) and the revision it was seen at; events for both.
 */
export class DesiredStates1796100000000 implements MigrationInterface {
  name = 'DesiredStates1796100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "desired_states" ("cluster_id" uuid NOT NULL, "application_id" uuid NOT NULL, "revision_id" uuid NOT NULL, "bundle_digest" character varying(71) NOT NULL, "cause" character varying(16) NOT NULL, "set_by" text NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_desired_states_cause" CHECK (cause IN ('revision', 'placement', 'rollback', 'rollout')), CONSTRAINT "PK_desired_states" PRIMARY KEY ("cluster_id", "application_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_desired_states_application" ON "desired_states" ("application_id")`);
    await queryRunner.query(`CREATE INDEX "ix_desired_states_revision" ON "desired_states" ("revision_id")`);
    await queryRunner.query(`ALTER TABLE "desired_states" ADD CONSTRAINT "FK_6d65e0dfcb1fc0a891f680706c4" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "desired_states" ADD CONSTRAINT "FK_fdacd77d02f28b05fd8696a0edb" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "desired_states" ADD CONSTRAINT "FK_62f29a67eb9f23f4bf605cd02b2" FOREIGN KEY ("revision_id") REFERENCES "revisions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(
      `INSERT INTO "desired_states" ("cluster_id", "application_id", "revision_id", "bundle_digest", "cause", "set_by")
       SELECT cluster.id, app.id, revision.id, placed.value, 'revision', 'system'
       FROM "applications" app
       JOIN "revisions" revision ON revision.id = app.current_revision_id
       CROSS JOIN LATERAL jsonb_each_text(revision.cluster_digests) AS placed
       JOIN "clusters" cluster ON cluster.name = placed.key`,
    );

    await queryRunner.query(`ALTER TABLE "revisions" ADD "failed_on_placement" boolean NOT NULL DEFAULT false`);

    await queryRunner.query(`ALTER TABLE "drifts" RENAME COLUMN "healed_at" TO "resolved_at"`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD "resolution" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD "restored_by" text`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD "revision_id" uuid`);
    await queryRunner.query(`UPDATE "drifts" SET status = 'resolved', resolution = 'healed', restored_by = 'capstan' WHERE status = 'healed'`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD CONSTRAINT "ck_drifts_status" CHECK (status IN ('healing', 'held', 'alerted', 'resolved'))`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD CONSTRAINT "ck_drifts_resolution" CHECK ((status = 'resolved') = (resolution IS NOT NULL) AND resolution IN ('healed', 'reverted', 'superseded'))`);

    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(
      `ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed'))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "fleet_events" WHERE type IN ('drift.resolved', 'desired.changed')`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched'))`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP CONSTRAINT "ck_drifts_resolution"`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP CONSTRAINT "ck_drifts_status"`);
    await queryRunner.query(`UPDATE "drifts" SET status = 'healed' WHERE status = 'resolved'`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP COLUMN "revision_id"`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP COLUMN "restored_by"`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP COLUMN "resolution"`);
    await queryRunner.query(`ALTER TABLE "drifts" RENAME COLUMN "resolved_at" TO "healed_at"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP COLUMN "failed_on_placement"`);
    await queryRunner.query(`DROP TABLE "desired_states"`);
  }
}
