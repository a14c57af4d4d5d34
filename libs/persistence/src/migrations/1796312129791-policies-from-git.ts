import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Policies from git: a source may name a folder of policy files, and a policy may come from a source. */
export class PoliciesFromGit1796312129791 implements MigrationInterface {
  name = 'PoliciesFromGit1796312129791';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "sources" ADD "policy_path" text`);
    await queryRunner.query(`ALTER TABLE "policies" ADD "source_id" uuid`);
    await queryRunner.query(`ALTER TABLE "policies" ADD CONSTRAINT "FK_29c282405d087172658d9bf5436" FOREIGN KEY ("source_id") REFERENCES "sources"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "policies" DROP CONSTRAINT "FK_29c282405d087172658d9bf5436"`);
    await queryRunner.query(`ALTER TABLE "policies" DROP COLUMN "source_id"`);
    await queryRunner.query(`ALTER TABLE "sources" DROP COLUMN "policy_path"`);
  }
}
