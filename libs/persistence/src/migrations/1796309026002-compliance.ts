import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Compliance on live clusters: the state per (cluster, policy), the append-only log of transitions, and the policy.noncompliant / policy.compliant events. */
export class Compliance1796309026002 implements MigrationInterface {
  name = 'Compliance1796309026002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "compliance_states" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cluster_id" uuid NOT NULL, "policy_id" uuid NOT NULL, "policy_version" integer NOT NULL, "violating" jsonb NOT NULL DEFAULT '[]', "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "uq_compliance_states" UNIQUE ("cluster_id", "policy_id"), CONSTRAINT "PK_b21cb61f4973535cd43a350731a" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "compliance_transitions" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "cluster_id" uuid NOT NULL, "policy" character varying(253) NOT NULL, "policy_version" integer NOT NULL, "kind" text NOT NULL, "namespace" text NOT NULL, "name" text NOT NULL, "compliant" boolean NOT NULL, "violations" jsonb NOT NULL DEFAULT '[]', "at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_38a31c7b165f413f02b5dc8e1dc" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_compliance_transitions_cluster_policy" ON "compliance_transitions" ("cluster_id", "policy", "id")`);
    await queryRunner.query(`ALTER TABLE "compliance_states" ADD CONSTRAINT "FK_cfb0d66e778fef0ebcb36128cf6" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "compliance_states" ADD CONSTRAINT "FK_87ac330c2fdf3474da7f7773a56" FOREIGN KEY ("policy_id") REFERENCES "policies"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "compliance_transitions" ADD CONSTRAINT "FK_8025f911b06430babd59c21b14f" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'policy.noncompliant', 'policy.compliant', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "fleet_events" WHERE type IN ('policy.noncompliant', 'policy.compliant')`);
    await queryRunner.query(`ALTER TABLE "fleet_events" DROP CONSTRAINT "ck_fleet_events_type"`);
    await queryRunner.query(`ALTER TABLE "fleet_events" ADD CONSTRAINT "ck_fleet_events_type" CHECK (type IN ('drift.detected', 'drift.resolved', 'heal.instructed', 'heal.succeeded', 'heal.failed', 'checksum.mismatched', 'desired.changed', 'policy.blocked', 'policy.violated', 'rollout.started', 'rollout.stage.started', 'rollout.stage.completed', 'rollout.cluster.succeeded', 'rollout.cluster.failed', 'rollout.cluster.skipped', 'rollout.waiting-for-approval', 'rollout.paused', 'rollout.resumed', 'rollout.rolling-back', 'rollout.rolled-back', 'rollout.succeeded', 'rollout.failed', 'rollout.aborted', 'rollout.superseded'))`);
    await queryRunner.query(`ALTER TABLE "compliance_transitions" DROP CONSTRAINT "FK_8025f911b06430babd59c21b14f"`);
    await queryRunner.query(`ALTER TABLE "compliance_states" DROP CONSTRAINT "FK_87ac330c2fdf3474da7f7773a56"`);
    await queryRunner.query(`ALTER TABLE "compliance_states" DROP CONSTRAINT "FK_cfb0d66e778fef0ebcb36128cf6"`);
    await queryRunner.query(`DROP INDEX "public"."ix_compliance_transitions_cluster_policy"`);
    await queryRunner.query(`DROP TABLE "compliance_transitions"`);
    await queryRunner.query(`DROP TABLE "compliance_states"`);
  }
}
