import { Field, InputType, ObjectType } from '@nestjs/graphql';
import type { IgnoreRule } from '@capstan/vocabulary';
import { IsOptional, IsString, Matches } from 'class-validator';
import { definedFields } from './apply-changes';

@ObjectType('IgnoreRule', { description: 'A field another controller legitimately owns; never reported as drift' })
export class IgnoreRuleDto {
  @Field({ description: 'JSON pointer, e.g. /spec/replicas' })
  jsonPointer: string;

  @Field(() => String, { nullable: true })
  group?: string;

  @Field(() => String, { nullable: true })
  kind?: string;

  @Field(() => String, { nullable: true })
  namespace?: string;

  @Field(() => String, { nullable: true })
  name?: string;
}

@InputType()
export class IgnoreRuleInput {
  @Field({ description: 'JSON pointer, e.g. /spec/replicas' })
  @Matches(/^(\/([^~/]|~[01])*)+$/, { message: 'must be a JSON pointer such as /spec/replicas' })
  jsonPointer: string;

  @Field(() => String, { nullable: true, description: 'Only objects of this API group' })
  @IsOptional()
  @IsString()
  group?: string;

  @Field(() => String, { nullable: true, description: 'Only objects of this kind' })
  @IsOptional()
  @IsString()
  kind?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  namespace?: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  name?: string;
}

/** An ignore rule as stored: only the fields that are set. */
export function definedIgnoreRule(rule: IgnoreRule): IgnoreRule {
  return definedFields({ ...rule }) as IgnoreRule;
}
