import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Source status, auth and signing keys; content-addressed rendered bundles; revision order and the revision in force. */
export class GitSourcesAndBundles1795397145968 implements MigrationInterface {
  name = 'GitSourcesAndBundles1795397145968';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "rendered_bundles" ("digest" character varying(71) NOT NULL, "objects" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_248c9d89b1bd7eb7656489b0500" PRIMARY KEY ("digest"))`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "signing_keys" text`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "auth_kind" character varying(16) NOT NULL DEFAULT 'none'`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "auth_username" text`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "auth_secret" text`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "webhook_secret" text`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "last_commit_sha" character varying(64)`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "last_fetched_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`ALTER TABLE "sources" ADD "last_error" text`);
    await queryRunner.query(`ALTER TABLE "applications" ADD "current_revision_id" uuid`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD "sequence" bigint GENERATED ALWAYS AS IDENTITY NOT NULL`);
    await queryRunner.query(`ALTER TABLE "revisions" ADD CONSTRAINT "UQ_d120e9687d045c33cbe78503a92" UNIQUE ("sequence")`);
    await queryRunner.query(`ALTER TABLE "sources" ADD CONSTRAINT "ck_sources_auth_kind" CHECK (auth_kind IN ('none', 'https-token', 'ssh-key'))`);
    await queryRunner.query(`ALTER TABLE "applications" ADD CONSTRAINT "FK_a4ea317721a17f9dd8e2f0cce4b" FOREIGN KEY ("current_revision_id") REFERENCES "revisions"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "applications" DROP CONSTRAINT "FK_a4ea317721a17f9dd8e2f0cce4b"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP CONSTRAINT "ck_sources_auth_kind"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP CONSTRAINT "UQ_d120e9687d045c33cbe78503a92"`);
    await queryRunner.query(`ALTER TABLE "revisions" DROP COLUMN "sequence"`);
    await queryRunner.query(`ALTER TABLE "applications" DROP COLUMN "current_revision_id"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "last_error"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "last_fetched_at"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "last_commit_sha"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "webhook_secret"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "auth_secret"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "auth_username"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "auth_kind"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "signing_keys"`);
    await queryRunner.query(`DROP TABLE "rendered_bundles"`);
  }
}
