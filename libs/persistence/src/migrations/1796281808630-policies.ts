import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Fleet-wide policies and their saved versions; the violations a revision's bundles were found with; policy events. */
export class Policies1796281808630 implements MigrationInterface {
  name = 'Policies1796281808630';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "policies" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(253) NOT NULL, "description" text NOT NULL DEFAULT '', "mode" character varying(16) NOT NULL, "scope" jsonb NOT NULL DEFAULT '{}', "exemptions" jsonb NOT NULL DEFAULT '[]', "rules" jsonb NOT NULL, "version" integer NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "ck_policies_mode" CHECK (mode IN ('audit', 'warn', 'enforce')), CONSTRAINT "PK_603e09f183df0108d8695c57e28" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_policies_name" ON "policies" ("name")`);
    await queryRunner.query(`CREATE TABLE "policy_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "policy_id" uuid NOT NULL, "version" integer NOT NULL, "definition" jsonb NOT NULL, "saved_by" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_policy_versions" UNIQUE ("policy_id", "version"), CONSTRAINT "PK_125d2970fc66a316f84af16812e" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD "policy_violations" jsonb NOT NULL DEFAULT '[]'`);
    await queryRunner.query(`ALTER TABLE "policy_versions" ADD CONSTRAINT "FK_b39b765ed67f82c6b52d880713e" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "fleet_events" WHERE type IN ('policy.blocked', 'policy.violated')`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
    await queryRunner.query(`ALTER TABLE "policy_versions" DROP CONSTRAINT "FK_b39b765ed67f82c6b52d880713e"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP COLUMN "policy_violations"`);
    await queryRunner.query(`DROP TABLE "policy_versions"`);
    await queryRunner.query(`DROP INDEX "public"."uq_policies_name"`);
    await queryRunner.query(`DROP TABLE "policies"`);
  }
}
