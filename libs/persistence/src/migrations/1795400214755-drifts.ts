import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Drift found by agents, and what became of it. */
export class Drifts1795400214755 implements MigrationInterface {
  name = 'Drifts1795400214755';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "drifts" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "cluster_id" uuid NOT NULL, "application_id" uuid NOT NULL, "subject" text NOT NULL, "object_ref" jsonb NOT NULL, "object_deleted" boolean NOT NULL DEFAULT false, "fields" jsonb NOT NULL DEFAULT '[]', "status" character varying(16) NOT NULL, "detected_at" TIMESTAMP WITH TIME ZONE NOT NULL, "instructed_at" TIMESTAMP WITH TIME ZONE, "healed_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "PK_2f338aec408e437b3452a34f799" PRIMARY KEY ("id"))`);
    await queryRunner.query(`CREATE INDEX "ix_drifts_cluster_status" ON "drifts" ("cluster_id", "status")`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD CONSTRAINT "FK_d2d16e467df46f3bba1021fab0b" FOREIGN KEY ("cluster_id") REFERENCES "clusters"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
    await queryRunner.query(`ALTER TABLE "drifts" ADD CONSTRAINT "FK_884f097108ae37961c332bcd484" FOREIGN KEY ("application_id") REFERENCES "applications"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "drifts" DROP CONSTRAINT "FK_884f097108ae37961c332bcd484"`);
    await queryRunner.query(`ALTER TABLE "drifts" DROP CONSTRAINT "FK_d2d16e467df46f3bba1021fab0b"`);
    await queryRunner.query(`DROP INDEX "public"."ix_drifts_cluster_status"`);
    await queryRunner.query(`DROP TABLE "drifts"`);
  }
}
