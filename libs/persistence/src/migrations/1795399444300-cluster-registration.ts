import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One-time bootstrap tokens for registering clusters, and the credentials agents connect with. */
export class ClusterRegistration1795399444300 implements MigrationInterface {
  name = 'ClusterRegistration1795399444300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "cluster_credentials" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cluster_id" uuid NOT NULL, "credential_hash" character(64) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "UQ_7f596c7555d14b0fb7bda1635a9" UNIQUE ("credential_hash"), CONSTRAINT "PK_1a2c422f88feb656611db6aaaf9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_cluster_credentials_cluster" ON "cluster_credentials" ("cluster_id")`);
    await queryRunner.query(`CREATE TABLE "cluster_registrations" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cluster_name" character varying(63) NOT NULL, "labels" jsonb NOT NULL DEFAULT '{}', "token_hash" character(64) NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "used_at" TIMESTAMP WITH TIME ZONE, "created_by" text NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_f232a587cfdda8c36cc6abdbfbc" UNIQUE ("token_hash"), CONSTRAINT "PK_8cd680aee13c755d26fd6842dc9" PRIMARY KEY ("id"))`);
    await queryRunner.query(`ALTER TABLE "cluster_credentials" ADD CONSTRAINT "FK_56104060a5f55d75767e49c3334" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "cluster_credentials" DROP CONSTRAINT "FK_56104060a5f55d75767e49c3334"`);
    await queryRunner.query(`DROP TABLE "cluster_registrations"`);
    await queryRunner.query(`DROP INDEX "public"."ix_cluster_credentials_cluster"`);
    await queryRunner.query(`DROP TABLE "cluster_credentials"`);
  }
}
