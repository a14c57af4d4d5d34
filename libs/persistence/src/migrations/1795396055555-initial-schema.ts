import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Clusters, groups, sources, applications with targets, revisions, audit entries and API tokens. */
export class InitialSchema1795396055555 implements MigrationInterface {
  name = 'InitialSchema1795396055555';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "api_tokens" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "role" character varying(16) NOT NULL, "group_scope" text array, "token_hash" character(64) NOT NULL, "created_by" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, "last_used_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_cb9fafc3afcc49346322334dead" UNIQUE ("name"), CONSTRAINT "UQ_bbd687a104e1921e6702c6e3aad" UNIQUE ("token_hash"), CONSTRAINT "ck_api_tokens_role" CHECK (role IN ('viewer', 'operator', 'admin')), CONSTRAINT "PK_c587455266b5fa8dace7194caac" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "cluster_groups" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "description" text NOT NULL DEFAULT '', "selector" text, "members" text array NOT NULL DEFAULT '{}', "variables" jsonb NOT NULL DEFAULT '{}', "heal_policy" character varying(16), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_39d02bb967e6e5d86a6381cad90" UNIQUE ("name"), CONSTRAINT "ck_cluster_groups_heal_policy" CHECK (heal_policy IN ('auto', 'approve', 'alert')), CONSTRAINT "PK_342e72ba36e514d3a1dc3cc9091" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "application_targets" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "application_id" uuid NOT NULL, "group_id" uuid NOT NULL, "overlay_path" text NOT NULL DEFAULT '', "variables" jsonb NOT NULL DEFAULT '{}', CONSTRAINT "uq_application_targets_group" UNIQUE ("application_id", "group_id"), CONSTRAINT "PK_5aec27031168f9d7f358996d771" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_application_targets_group" ON "application_targets" ("group_id") `);
    await queryRunner.query(`CREATE TABLE "sources" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "url" text NOT NULL, "ref" text NOT NULL DEFAULT 'main', "path" text NOT NULL DEFAULT '', "poll_interval_seconds" integer NOT NULL DEFAULT '60', "require_signed_commits" boolean NOT NULL DEFAULT false, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_ee4027d72bd2c0c01c4d1fc1109" UNIQUE ("name"), CONSTRAINT "ck_sources_poll_interval" CHECK (poll_interval_seconds > 0), CONSTRAINT "PK_85523beafe5a2a6b90b02096443" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "applications" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "source_id" uuid NOT NULL, "base_path" text NOT NULL, "sync_policy" character varying(16) NOT NULL DEFAULT 'auto', "prune" boolean NOT NULL DEFAULT false, "heal_policy" character varying(16) NOT NULL DEFAULT 'auto', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_fcdfc51648dfbc8cfa417d6c3fc" UNIQUE ("name"), CONSTRAINT "ck_applications_heal_policy" CHECK (heal_policy IN ('auto', 'approve', 'alert')), CONSTRAINT "ck_applications_sync_policy" CHECK (sync_policy IN ('auto', 'manual')), CONSTRAINT "PK_938c0a27255637bde919591888f" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "audit_entries" ("id" bigint GENERATED ALWAYS AS IDENTITY NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "actor" text NOT NULL, "action" text NOT NULL, "target_type" text NOT NULL, "target_name" text NOT NULL, "summary" jsonb NOT NULL DEFAULT '{}', "reason" text, CONSTRAINT "PK_6b1623bcad4d04530b76548d619" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_audit_entries_target" ON "audit_entries" ("target_type", "target_name", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_audit_entries_actor" ON "audit_entries" ("actor", "id") `);
    await queryRunner.query(`CREATE INDEX "ix_audit_entries_at" ON "audit_entries" ("at") `);
    await queryRunner.query(`CREATE TABLE "clusters" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "labels" jsonb NOT NULL DEFAULT '{}', "agent_version" text, "kubernetes_version" text, "last_seen_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_9866753a0c6ffd4adebb5cc236b" UNIQUE ("name"), CONSTRAINT "PK_56c8e201f375e1e961dcdd6831c" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE TABLE "revisions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "application_id" uuid NOT NULL, "commit_sha" character varying(64) NOT NULL, "author" text NOT NULL DEFAULT '', "message" text NOT NULL DEFAULT '', "committed_at" TIMESTAMP WITH TIME ZONE NOT NULL, "status" character varying(16) NOT NULL, "error" text, "cluster_digests" jsonb NOT NULL DEFAULT '{}', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_revisions_commit" UNIQUE ("application_id", "commit_sha"), CONSTRAINT "ck_revisions_status" CHECK (status IN ('rendered', 'failed')), CONSTRAINT "PK_4aa9ee2c71c50508c3c501573c9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_revisions_application_created" ON "revisions" ("application_id", "created_at") `);
    await queryRunner.query(`ALTER TABLE "application_targets" ADD CONSTRAINT "FK_cb08957be3a25a38bf00762ca5a" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "application_targets" ADD CONSTRAINT "FK_49168cab3d4b2a5aa856572dc6b" FOREIGN KEY ("group_id") REFERENCES "cluster_groups"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "applications" ADD CONSTRAINT "FK_eaf49cb5168e83f16fc8da066a8" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD CONSTRAINT "FK_f9a5fb551964bf5593bee67cd38" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`CREATE INDEX "ix_clusters_labels" ON "clusters" USING GIN ("labels")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_clusters_labels"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP CONSTRAINT "FK_f9a5fb551964bf5593bee67cd38"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP CONSTRAINT "FK_eaf49cb5168e83f16fc8da066a8"`);
    await queryRunner.query(`ALTER TABLE "application_targets" DROP CONSTRAINT "FK_49168cab3d4b2a5aa856572dc6b"`);
    await queryRunner.query(`ALTER TABLE "application_targets" DROP CONSTRAINT "FK_cb08957be3a25a38bf00762ca5a"`);
    await queryRunner.query(`DROP INDEX "public"."ix_revisions_application_created"`);
    await queryRunner.query(`DROP TABLE "revisions"`);
    await queryRunner.query(`DROP TABLE "clusters"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_entries_at"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_entries_actor"`);
    await queryRunner.query(`DROP INDEX "public"."ix_audit_entries_target"`);
    await queryRunner.query(`DROP TABLE "audit_entries"`);
    await queryRunner.query(`DROP TABLE "applications"`);
    await queryRunner.query(`DROP TABLE "sources"`);
    await queryRunner.query(`DROP INDEX "public"."ix_application_targets_group"`);
    await queryRunner.query(`DROP TABLE "application_targets"`);
    await queryRunner.query(`DROP TABLE "cluster_groups"`);
    await queryRunner.query(`DROP TABLE "api_tokens"`);
  }
}
