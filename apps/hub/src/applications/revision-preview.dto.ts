import { ArgsType, Field, Int, ObjectType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { IsGitRef } from '../common/validators';

@ObjectType('RenderPreview', { description: 'What a cluster would receive from an application at a commit' })
export class RenderPreviewDto {
  @Field()
  commitSha: string;

  @Field({ description: 'sha256:<hex> of the bundle' })
  digest: string;

  @Field(() => Int)
  objectCount: number;

  @Field({ description: 'The objects as YAML, as kustomize build prints them' })
  yaml: string;
}

@ArgsType()
export class RenderPreviewArgs {
  @Field()
  application: string;

  @Field()
  cluster: string;

  @Field({ nullable: true, description: "Branch, tag or commit; the source's ref by default" })
  @IsOptional()
  @IsGitRef()
  ref?: string;
}

@ObjectType('ObjectChange', { description: 'How one object differs between two revisions' })
export class ObjectChangeDto {
  @Field({ description: 'Kind/namespace/name' })
  subject: string;

  @Field({ description: 'added, removed or modified' })
  change: string;

  @Field({ description: 'Unified diff of the YAML' })
  patch: string;
}

@ArgsType()
export class RevisionDiffArgs {
  @Field()
  application: string;

  @Field()
  cluster: string;

  @Field({ description: 'Commit sha (or a prefix of at least 7 characters) of the older revision' })
  from: string;

  @Field({ description: 'Commit sha (or a prefix of at least 7 characters) of the newer revision' })
  to: string;
}
