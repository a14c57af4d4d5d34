import { ArgsType, Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, PickType } from '@nestjs/graphql';
import { policyRolloutPhases, policyRolloutStates } from '@capstan/rollout';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsUUID, Min, ValidateNested } from 'class-validator';
import { ConnectionType, PageArgs } from '../common/pagination';
import { Omittable } from '../common/validators';
import { RolloutStageStrategyDto } from '../rollouts/rollout.dto';
import { PolicyModeValue } from './policy.dto';

const phases = policyRolloutPhases.join(', ');

@ObjectType('PolicyRolloutStageStrategy')
@InputType('PolicyRolloutStageInput', { description: 'Which clusters (the first stage selecting a cluster takes it; those none selects form a last stage, remaining), how many at once' })
export class PolicyRolloutStageStrategyDto extends PickType(RolloutStageStrategyDto, ['name', 'groups', 'selector', 'maxConcurrency', 'orderByLabel'] as const, InputType) {
  @Field(() => Int, { nullable: true, description: 'How long each batch audits the version before its violations are judged. Default 0' })
  @Omittable()
  @IsInt()
  @Min(0)
  minBakeTimeSeconds?: number;
}

@ObjectType('PolicyRolloutStrategy', { description: "How a policy's version reaches the clusters: stages in order, batch by batch, each in audit before enforce" })
@InputType('PolicyRolloutStrategyInput')
export class PolicyRolloutStrategyDto {
  @Field(() => [PolicyRolloutStageStrategyDto])
  @ValidateNested({ each: true })
  @Type(() => PolicyRolloutStageStrategyDto)
  stages: PolicyRolloutStageStrategyDto[];

  @Field(() => Int, { nullable: true, defaultValue: 0, description: 'Violating objects (each counted once per cluster) a stage may have and still be enforced' })
  @Omittable()
  @IsInt()
  @Min(0)
  allowance?: number;
}

@ObjectType('PolicyRolloutViolation', { description: 'One rule an object fails on a cluster: in a bundle the cluster should run, or live' })
export class PolicyRolloutViolationDto {
  @Field()
  kind: string;

  @Field({ description: "'' for cluster-scoped objects" })
  namespace: string;

  @Field()
  name: string;

  @Field()
  rule: string;

  @Field()
  message: string;
}

@ObjectType('PolicyRolloutCluster')
export class PolicyRolloutClusterDto {
  @Field()
  cluster: string;

  @Field({ description: phases })
  state: string;

  @Field(() => Int, { nullable: true, description: 'The version the rollout holds it to; null once superseded (the version saved since is in force)' })
  version: number | null;

  @Field(() => PolicyModeValue, { nullable: true, description: 'The mode the rollout holds it in: audit until its batch is enforced, what was in force before while pending or once aborted or rolled back; null once superseded' })
  mode: PolicyModeValue | null;

  @Field(() => GraphQLISODateTime, { description: 'Since when it has been in its state' })
  since: Date;

  @Field(() => [PolicyRolloutViolationDto], { description: 'What it violates of the version, as last observed' })
  violations: PolicyRolloutViolationDto[];
}

@ObjectType('PolicyRolloutStage')
export class PolicyRolloutStageDto {
  @Field()
  name: string;

  @Field({ description: phases })
  state: string;

  @Field(() => Int, { description: 'Batches, audited then enforced one after another' })
  batches: number;

  @Field(() => [PolicyRolloutClusterDto], { description: 'Its clusters (those the caller may see), in start order' })
  clusters: PolicyRolloutClusterDto[];
}

@ObjectType('PolicyRollout', { description: "One version of a policy rolled out audit → enforce across the clusters its scope takes in" })
export class PolicyRolloutDto {
  @Field(() => ID)
  id: string;

  @Field()
  policy: string;

  @Field(() => Int)
  version: number;

  @Field(() => Int, { description: 'The version in force everywhere before' })
  previousVersion: number;

  @Field(() => PolicyModeValue, { description: 'The mode in force everywhere before' })
  previousMode: PolicyModeValue;

  @Field({ description: policyRolloutStates.join(', ') })
  state: string;

  @Field({ description: 'Why it is in its state (the violating objects it paused on, who paused it, what it waits for); empty when there is nothing to say' })
  reason: string;

  @Field({ description: 'Who started it' })
  startedBy: string;

  @Field({ description: 'Why it was started' })
  startReason: string;

  @Field(() => GraphQLISODateTime)
  startedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true })
  finishedAt: Date | null;

  @Field(() => PolicyRolloutStrategyDto)
  strategy: PolicyRolloutStrategyDto;

  @Field(() => [PolicyRolloutStageDto])
  stages: PolicyRolloutStageDto[];
}

export const PolicyRolloutConnection = ConnectionType(PolicyRolloutDto, 'PolicyRollout');

@ArgsType()
export class PolicyRolloutsArgs extends PageArgs {
  @Field({ nullable: true, description: 'Policy name' })
  @IsOptional()
  policy?: string;

  @Field({ nullable: true, description: policyRolloutStates.join(', ') })
  @IsOptional()
  @IsIn(policyRolloutStates)
  state?: string;
}

@ArgsType()
export class PolicyRolloutIdArgs {
  @Field(() => ID)
  @IsUUID(undefined, { message: 'id must be a policy rollout id' })
  id: string;
}
