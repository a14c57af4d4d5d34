import { ArgsType, Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { newerRevisionActions, type NewerRevisionAction, rolloutFailureActions, type RolloutFailureAction, rolloutStates } from '@capstan/rollout';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUUID, Min, ValidateNested } from 'class-validator';
import { ConnectionType, PageArgs } from '../common/pagination';
import { IsResourceName, Omittable } from '../common/validators';

export enum RolloutFailureActionValue {
  pause = 'pause',
  rollback = 'rollback',
}
registerEnumType(RolloutFailureActionValue, { name: 'RolloutFailureAction', description: 'What a failed batch does: pause waits for an operator; rollback returns every changed cluster to what it ran before' });

export enum NewerRevisionActionValue {
  supersede = 'supersede',
  queue = 'queue',
}
registerEnumType(NewerRevisionActionValue, { name: 'NewerRevisionAction', description: 'What a newer revision does to a rollout in flight: supersede replaces it (from the first stage); queue waits until it ends' });

const budgetDescription = 'A number of clusters ("3") or a share of the stage\'s clusters ("25%"), rounded down';

@ObjectType('RolloutStageStrategy')
@InputType('RolloutStageInput')
export class RolloutStageStrategyDto {
  @Field()
  @IsResourceName()
  name: string;

  @Field(() => [String], { nullable: true, description: 'Clusters in any of these groups' })
  @Omittable()
  @IsResourceName({ each: true })
  groups?: string[];

  @Field({ nullable: true, description: 'Clusters whose labels match this selector; with groups, both must hold' })
  @Omittable()
  @IsString()
  selector?: string;

  @Field({ nullable: true, description: `Clusters updating at once. ${budgetDescription}, at least 1. Default "100%"` })
  @Omittable()
  @IsString()
  maxConcurrency?: string;

  @Field({ nullable: true, description: `Failed or timed-out clusters the stage tolerates. ${budgetDescription}. Default "0"` })
  @Omittable()
  @IsString()
  maxFailures?: string;

  @Field(() => Int, { nullable: true, description: 'How long each updated cluster stays Synced and Healthy, with no open drift, before it counts. Default 0' })
  @Omittable()
  @IsInt()
  @Min(0)
  minBakeTimeSeconds?: number;

  @Field(() => Int, { nullable: true, description: 'How long a started cluster has to become Healthy. Default 600' })
  @Omittable()
  @IsInt()
  @Min(1)
  progressDeadlineSeconds?: number;

  @Field({ nullable: true, description: 'A manual gate before the stage starts' })
  @Omittable()
  @IsBoolean()
  approvalBefore?: boolean;

  @Field({ nullable: true, description: 'A manual gate after the stage succeeded' })
  @Omittable()
  @IsBoolean()
  approvalAfter?: boolean;

  @Field({ nullable: true, description: "Clusters start in the order of this label's value, then of their names" })
  @Omittable()
  @IsString()
  orderByLabel?: string;
}

@ObjectType('RolloutStrategy', { description: 'How new revisions reach the clusters: stages in order, each in batches with health gates' })
@InputType('RolloutStrategyInput')
export class RolloutStrategyDto {
  @Field(() => [RolloutStageStrategyDto])
  @ValidateNested({ each: true })
  @Type(() => RolloutStageStrategyDto)
  stages: RolloutStageStrategyDto[];

  @Field(() => RolloutFailureActionValue, { nullable: true, defaultValue: RolloutFailureActionValue.pause })
  @Omittable()
  @IsIn(rolloutFailureActions)
  onFailure?: RolloutFailureAction;

  @Field(() => Int, { nullable: true, description: 'At most this many clusters started per minute' })
  @Omittable()
  @IsInt()
  @Min(1)
  maxClustersPerMinute?: number;

  @Field(() => NewerRevisionActionValue, { nullable: true, defaultValue: NewerRevisionActionValue.supersede })
  @Omittable()
  @IsIn(newerRevisionActions)
  onNewerRevision?: NewerRevisionAction;
}

@ObjectType('RolloutGate', { description: 'What a rollout waits on, and until when' })
export class RolloutGateDto {
  @Field({ description: 'approval-before, approval-after, bake, health, pacing or failure' })
  kind: string;

  @Field()
  stage: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the wait ends by itself; null until someone acts' })
  until: Date | null;
}

@ObjectType('RolloutCluster')
export class RolloutClusterDto {
  @Field()
  cluster: string;

  @Field({ description: 'Pending, Updating, Baking, Succeeded, Failed, TimedOut, Skipped or RolledBack' })
  state: string;

  @Field(() => ID, { description: 'The revision the rollout brings it' })
  revision: string;

  @Field(() => ID, { nullable: true, description: 'What it ran before the rollout changed it (null: nothing)' })
  previousRevision: string | null;

  @Field(() => GraphQLISODateTime, { description: 'Since when it has been in its state' })
  since: Date;

  @Field({ description: 'Why it failed, timed out, was skipped or rolled back; empty otherwise' })
  reason: string;
}

@ObjectType('RolloutBatch')
export class RolloutBatchDto {
  @Field(() => Int)
  index: number;

  @Field({ description: 'Pending, Progressing, Succeeded or Failed' })
  state: string;

  @Field(() => [RolloutClusterDto], { description: 'Its clusters (those the caller may see), in start order' })
  clusters: RolloutClusterDto[];

  @Field(() => RolloutGateDto, { nullable: true, description: 'What the rollout waits on while this batch is the one in progress' })
  gate: RolloutGateDto | null;
}

@ObjectType('RolloutStage')
export class RolloutStageDto {
  @Field()
  name: string;

  @Field({ description: 'Pending, WaitingForApproval, Progressing, Succeeded or Failed' })
  state: string;

  @Field(() => Int)
  maxConcurrency: number;

  @Field(() => Int)
  maxFailures: number;

  @Field(() => [RolloutBatchDto])
  batches: RolloutBatchDto[];
}

@ObjectType('RolloutProgress', { description: 'Clusters by state' })
export class RolloutProgressDto {
  @Field(() => Int) total: number;
  @Field(() => Int) pending: number;
  @Field(() => Int) updating: number;
  @Field(() => Int) baking: number;
  @Field(() => Int) succeeded: number;
  @Field(() => Int) failed: number;
  @Field(() => Int) timedOut: number;
  @Field(() => Int) skipped: number;
  @Field(() => Int) rolledBack: number;
}

@ObjectType('Rollout', { description: "One revision's progress across an application's clusters" })
export class RolloutDto {
  @Field(() => ID)
  id: string;

  @Field()
  application: string;

  @Field(() => ID)
  revision: string;

  @Field({ description: 'The commit of the revision' })
  commitSha: string;

  @Field(() => [String], { description: 'Clusters an enforce policy kept the revision from (see the revision\'s policyViolations): not in the rollout, they keep what they run' })
  blockedClusters: string[];

  @Field({ description: rolloutStates.join(', ') })
  state: string;

  @Field({ description: 'Why it is in its state; empty when there is nothing to say' })
  reason: string;

  @Field({ description: 'Who or what started it' })
  startedBy: string;

  @Field({ description: 'Why it was started' })
  startReason: string;

  @Field({ description: 'Whether it returns clusters to an earlier revision' })
  rollback: boolean;

  @Field(() => GraphQLISODateTime)
  startedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt: Date | null;

  @Field(() => RolloutStrategyDto)
  strategy: RolloutStrategyDto;

  @Field(() => [RolloutStageDto])
  stages: RolloutStageDto[];

  @Field(() => RolloutProgressDto)
  progress: RolloutProgressDto;

  @Field(() => RolloutGateDto, { nullable: true })
  gate: RolloutGateDto | null;
}

export const RolloutConnection = ConnectionType(RolloutDto, 'Rollout');

@ArgsType()
export class RolloutsArgs extends PageArgs {
  @Field({ nullable: true, description: 'Application name' })
  @IsOptional()
  application?: string;

  @Field({ nullable: true, description: rolloutStates.join(', ') })
  @IsOptional()
  @IsIn(rolloutStates)
  state?: string;
}

@ArgsType()
export class RolloutIdArgs {
  @Field(() => ID)
  @IsUUID(undefined, { message: 'id must be a rollout id' })
  id: string;
}
