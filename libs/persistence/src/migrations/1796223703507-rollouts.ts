import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rollouts: a revision's progress across an application's clusters, kept as the planner's record;
 * an application's rollout strategy; revisions rejected by a rollback; rollout events in the
 * fleet's event log (which need no cluster).
 */
export class Rollouts1796223703507 implements MigrationInterface {
  name = 'Rollouts1796223703507';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "rollouts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sequence" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "application_id" uuid NOT NULL, "revision_id" uuid NOT NULL, "state" character varying(24) NOT NULL, "strategy" jsonb NOT NULL, "record" jsonb NOT NULL, "started_by" text NOT NULL, "reason" text NOT NULL DEFAULT '', "is_rollback" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_24f96f9df3c47be9606564df23e" UNIQUE ("sequence"), CONSTRAINT "ck_rollouts_state" CHECK (state IN ('Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'Succeeded', 'Failed', 'RollingBack', 'RolledBack', 'Aborted', 'Superseded')), CONSTRAINT "PK_835787271e5a8640da0b5d616f1" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_rollouts_active" ON "rollouts" ("state") WHERE state IN ('Pending', 'Progressing', 'Paused', 'WaitingForApproval', 'RollingBack')`);
    await queryRunner.query(`CREATE INDEX "ix_rollouts_application" ON "rollouts" ("application_id", "sequence")`);
    await queryRunner.query(`ALTER TABLE "applications" ADD "rollout_strategy" jsonb`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD "rejected_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD "rejected_reason" text`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD "rollout_id" uuid`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ALTER COLUMN "cluster_id" DROP NOT NULL`);
    await queryRunner.query(`CREATE INDEX "ix_fleet_events_rollout" ON "fleet_events" ("rollout_id", "id")`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
    await queryRunner.query(`ALTER TABLE "rollouts" ADD CONSTRAINT "FK_4c92188626f109e0bc834a73eee" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "rollouts" ADD CONSTRAINT "FK_9cc05f2002f80c77b6dbd3f3563" FOREIGN KEY ("revision_id") REFERENCES "revisions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "FK_5543c50562d757f0d96998d53a0" FOREIGN KEY ("rollout_id") REFERENCES "rollouts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "fleet_events" WHERE rollout_id IS NOT NULL OR cluster_id IS NULL`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed'))`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "FK_5543c50562d757f0d96998d53a0"`);
    await queryRunner.query(`ALTER TABLE "rollouts" DROP CONSTRAINT "FK_9cc05f2002f80c77b6dbd3f3563"`);
    await queryRunner.query(`ALTER TABLE "rollouts" DROP CONSTRAINT "FK_4c92188626f109e0bc834a73eee"`);
    await queryRunner.query(`DROP INDEX "public"."ix_fleet_events_rollout"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ALTER COLUMN "cluster_id" SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP COLUMN "rollout_id"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP COLUMN "rejected_reason"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP COLUMN "rejected_at"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "rollout_strategy"`);
    await queryRunner.query(`DROP INDEX "public"."ix_rollouts_application"`);
    await queryRunner.query(`DROP INDEX "public"."ix_rollouts_active"`);
    await queryRunner.query(`DROP TABLE "rollouts"`);
  }
}
