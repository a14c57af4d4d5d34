import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Policy rollouts: a policy's version rolled out audit → enforce in stages, and their policy.rollout.* events (linked by the rollout). */
export class PolicyRollouts1796313398975 implements MigrationInterface {
  name = 'PolicyRollouts1796313398975';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "policy_rollouts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "sequence" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "policy_id" uuid NOT NULL, "version" integer NOT NULL, "state" character varying(24) NOT NULL, "strategy" jsonb NOT NULL, "record" jsonb NOT NULL, "started_by" text NOT NULL, "reason" text NOT NULL DEFAULT '', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_1709a899e7107463c169e8eb542" UNIQUE ("sequence"), CONSTRAINT "ck_policy_rollouts_state" CHECK (state IN ('Progressing', 'Paused', 'Succeeded', 'Aborted', 'RolledBack', 'Superseded')), CONSTRAINT "PK_c4c950a6463076abe099a1eda43" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_policy_rollouts_policy" ON "policy_rollouts" ("policy_id", "sequence")`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD "policy_rollout_id" uuid`);
    await queryRunner.query(`CREATE INDEX "ix_fleet_events_policy_rollout" ON "fleet_events" ("policy_rollout_id", "id")`);
    await queryRunner.query(`ALTER TABLE "policy_rollouts" ADD CONSTRAINT "FK_c26f811c91f0496b7ee52438aab" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "FK_f403c28a72de7e44212f55e8c08" FOREIGN KEY ("policy_rollout_id") REFERENCES "policy_rollouts"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'policy.noncompliant', 'policy.compliant', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded', 'policy.rollout.started', 'policy.rollout.stage.enforced', 'policy.rollout.paused', 'policy.rollout.resumed', 'policy.rollout.aborted', 'policy.rollout.rolled-back', 'policy.rollout.succeeded', 'policy.rollout.superseded'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "fleet_events" WHERE type LIKE 'policy.rollout.%'`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'policy.noncompliant', 'policy.compliant', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "FK_f403c28a72de7e44212f55e8c08"`);
    await queryRunner.query(`ALTER TABLE "policy_rollouts" DROP CONSTRAINT "FK_c26f811c91f0496b7ee52438aab"`);
    await queryRunner.query(`DROP INDEX "public"."ix_fleet_events_policy_rollout"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP COLUMN "policy_rollout_id"`);
    await queryRunner.query(`DROP INDEX "public"."ix_policy_rollouts_policy"`);
    await queryRunner.query(`DROP TABLE "policy_rollouts"`);
  }
}
