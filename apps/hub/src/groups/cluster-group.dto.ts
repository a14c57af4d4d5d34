import { ArgsType, Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type HealPolicy, healPolicies, type IgnoreRule } from '@capstan/vocabulary';
import { Type } from 'class-transformer';
import { ArrayUnique, IsIn, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { IgnoreRuleDto, IgnoreRuleInput } from '../common/ignore-rule.dto';
import { ConnectionType, PageArgs } from '../common/pagination';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsLabelSelector, IsResourceName, IsVariableMap, Omittable } from '../common/validators';

export enum HealPolicyValue {
  auto = 'auto',
  approve = 'approve',
  alert = 'alert',
}
registerEnumType(HealPolicyValue, {
  name: 'HealPolicy',
  description: 'auto re-applies at once; approve holds drift until approved; alert only reports',
});

@ObjectType('ClusterGroup', { description: 'Clusters chosen by label selector and/or by name' })
export class ClusterGroupDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  description: string;

  @Field(() => String, { nullable: true })
  selector: string | null;

  @Field(() => [String])
  members: string[];

  @Field(() => StringMapScalar, { description: 'Render variables for every application targeting the group' })
  variables: Record<string, string>;

  @Field(() => HealPolicyValue, { nullable: true, description: "Overrides the applications' heal policy in this group" })
  healPolicy: HealPolicy | null;

  @Field(() => [IgnoreRuleDto])
  ignoreRules: IgnoreRule[];

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

export const ClusterGroupConnection = ConnectionType(ClusterGroupDto, 'ClusterGroup');

@InputType()
class GroupFieldsInput {
  @Field({ nullable: true })
  @Omittable()
  @IsString()
  @MaxLength(1024)
  description?: string;

  @Field(() => String, { nullable: true, description: 'Label selector, e.g. "env=prod,region in (eu,us)"' })
  @IsOptional()
  @IsLabelSelector()
  selector?: string | null;

  @Field(() => [String], { nullable: true, description: 'Clusters in the group whatever their labels' })
  @Omittable()
  @ArrayUnique()
  @IsResourceName({ each: true })
  members?: string[];

  @Field(() => StringMapScalar, { nullable: true })
  @Omittable()
  @IsVariableMap()
  variables?: Record<string, string>;

  @Field(() => HealPolicyValue, { nullable: true })
  @IsOptional()
  @IsIn(healPolicies)
  healPolicy?: HealPolicy | null;

  @Field(() => [IgnoreRuleInput], { nullable: true, description: 'Fields other controllers own, for every application in the group (the complete list)' })
  @Omittable()
  @ValidateNested({ each: true })
  @Type(() => IgnoreRuleInput)
  ignoreRules?: IgnoreRuleInput[];
}

@InputType()
export class CreateClusterGroupInput extends GroupFieldsInput {
  @Field()
  @IsResourceName()
  name: string;
}

@InputType({ description: 'Fields left out keep their value' })
export class UpdateClusterGroupInput extends GroupFieldsInput {
  @Field()
  name: string;
}

@ArgsType()
export class MatchingClustersArgs extends PageArgs {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsLabelSelector()
  selector?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  members?: string[];
}
