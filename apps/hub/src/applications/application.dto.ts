import { ArgsType, Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type RevisionPolicyViolation, type RevisionStatus } from '@capstan/persistence';
import { type HealPolicy, healPolicies, type IgnoreRule, type SyncPolicy, syncPolicies } from '@capstan/vocabulary';
import { Type } from 'class-transformer';
import { ArrayUnique, IsBoolean, IsIn, ValidateIf, ValidateNested } from 'class-validator';
import { IgnoreRuleDto, IgnoreRuleInput } from '../common/ignore-rule.dto';
import { ConnectionType, PageArgs } from '../common/pagination';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsRepositoryPath, IsResourceName, IsVariableMap, Omittable } from '../common/validators';
import { HealPolicyValue } from '../groups/cluster-group.dto';
import { PolicyViolationDto } from '../policies/policy.dto';
import { RolloutStrategyDto } from '../rollouts/rollout.dto';

export enum SyncPolicyValue {
  auto = 'auto',
  manual = 'manual',
}
registerEnumType(SyncPolicyValue, { name: 'SyncPolicy', description: 'auto applies each new revision; manual waits for a sync' });

export enum RevisionStatusValue {
  rendered = 'rendered',
  failed = 'failed',
}
registerEnumType(RevisionStatusValue, { name: 'RevisionStatus' });

@ObjectType('ApplicationTarget', { description: 'A cluster group the application is deployed to' })
export class ApplicationTargetDto {
  @Field({ description: 'Cluster group name' })
  group: string;

  @Field({ description: 'Overlay directory relative to the source path; empty renders the base alone' })
  overlayPath: string;

  @Field(() => StringMapScalar)
  variables: Record<string, string>;
}

@ObjectType('Application', { description: 'What to deploy (source and base path) and where (targets)' })
export class ApplicationDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field({ description: 'Source name' })
  source: string;

  @Field()
  basePath: string;

  @Field(() => SyncPolicyValue)
  syncPolicy: SyncPolicy;

  @Field({ description: 'Delete objects that left git' })
  prune: boolean;

  @Field(() => HealPolicyValue)
  healPolicy: HealPolicy;

  @Field(() => [ApplicationTargetDto])
  targets: ApplicationTargetDto[];

  @Field(() => RolloutStrategyDto, { nullable: true, description: 'How new revisions reach the clusters; null: everywhere at once' })
  rolloutStrategy: RolloutStrategyDto | null;

  @Field(() => [IgnoreRuleDto])
  ignoreRules: IgnoreRule[];

  /** Resolved by `currentRevision`; not a field of its own. */
  currentRevisionId: string | null;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

export const ApplicationConnection = ConnectionType(ApplicationDto, 'Application');

@ObjectType('Revision', { description: 'An application rendered at one commit' })
export class RevisionDto {
  @Field(() => ID)
  id: string;

  @Field()
  commitSha: string;

  @Field()
  author: string;

  @Field()
  message: string;

  @Field(() => GraphQLISODateTime)
  committedAt: Date;

  @Field(() => RevisionStatusValue)
  status: RevisionStatus;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When a rollout of it failed and rolled back: nothing rolls it out again by itself' })
  rejectedAt: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was rejected' })
  rejectedReason: string | null;

  @Field(() => String, { nullable: true, description: 'Why rendering failed: file and field' })
  error: string | null;

  @Field(() => StringMapScalar, { description: 'Cluster name → digest of the bundle rendered for it' })
  clusterDigests: Record<string, string>;

  @Field(() => [PolicyViolationDto], { description: "What the policies in force found in each cluster's bundle when it was rendered" })
  policyViolations: RevisionPolicyViolation[];

  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}

export const RevisionConnection = ConnectionType(RevisionDto, 'Revision');

@InputType()
export class ApplicationTargetInput {
  @Field()
  @IsResourceName()
  group: string;

  @Field({ nullable: true })
  @Omittable()
  @IsRepositoryPath()
  overlayPath?: string;

  @Field(() => StringMapScalar, { nullable: true })
  @Omittable()
  @IsVariableMap()
  variables?: Record<string, string>;
}

@InputType()
class ApplicationFieldsInput {
  @Field(() => SyncPolicyValue, { nullable: true })
  @Omittable()
  @IsIn(syncPolicies)
  syncPolicy?: SyncPolicy;

  @Field({ nullable: true })
  @Omittable()
  @IsBoolean()
  prune?: boolean;

  @Field(() => HealPolicyValue, { nullable: true })
  @Omittable()
  @IsIn(healPolicies)
  healPolicy?: HealPolicy;

  @Field(() => [IgnoreRuleInput], { nullable: true, description: 'Fields other controllers own in this application (the complete list)' })
  @Omittable()
  @ValidateNested({ each: true })
  @Type(() => IgnoreRuleInput)
  ignoreRules?: IgnoreRuleInput[];

  @Field(() => RolloutStrategyDto, { nullable: true, description: 'How new revisions reach the clusters: in stages with health gates; null: everywhere at once' })
  @ValidateIf((_object: object, value: unknown) => value !== undefined && value !== null)
  @ValidateNested()
  @Type(() => RolloutStrategyDto)
  rolloutStrategy?: RolloutStrategyDto | null;

  @Field(() => [ApplicationTargetInput], { nullable: true, description: 'The complete list of targets' })
  @Omittable()
  @ValidateNested({ each: true })
  @Type(() => ApplicationTargetInput)
  @ArrayUnique((target: ApplicationTargetInput) => target.group, { message: 'each group may be targeted once' })
  targets?: ApplicationTargetInput[];
}

@InputType()
export class CreateApplicationInput extends ApplicationFieldsInput {
  @Field()
  @IsResourceName()
  name: string;

  @Field({ description: 'Source name' })
  @IsResourceName()
  source: string;

  @Field({ description: 'Base directory in the source' })
  @IsRepositoryPath()
  basePath: string;
}

@InputType({ description: 'Fields left out keep their value' })
export class UpdateApplicationInput extends ApplicationFieldsInput {
  @Field()
  name: string;

  @Field({ nullable: true, description: 'Source name' })
  @Omittable()
  @IsResourceName()
  source?: string;

  @Field({ nullable: true })
  @Omittable()
  @IsRepositoryPath()
  basePath?: string;
}

@ArgsType()
export class RevisionsArgs extends PageArgs {
  @Field({ description: 'Application name' })
  application: string;
}
