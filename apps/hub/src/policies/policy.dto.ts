import { Field, GraphQLISODateTime, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type PolicyExemption, type PolicyMode, policyModes, type PolicyRule, type PolicyScope } from '@capstan/policy';
import { IsIn, IsString } from 'class-validator';
import { GraphQLJSONObject } from 'graphql-type-json';
import { IsResourceName, Omittable } from '../common/validators';

export enum PolicyModeValue {
  audit = 'audit',
  warn = 'warn',
  enforce = 'enforce',
}
registerEnumType(PolicyModeValue, { name: 'PolicyMode', description: 'audit records violations, warn ships and shows them, enforce keeps a violating bundle from the cluster' });

@ObjectType('PolicyVersion', { description: 'One saved version of a policy, as it was saved' })
export class PolicyVersionDto {
  @Field(() => Int)
  version: number;

  @Field(() => GraphQLJSONObject, { description: 'The whole policy at this version: name, description, mode, scope, exemptions, rules' })
  definition: object;

  @Field({ description: 'Who saved it' })
  savedBy: string;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;
}

@ObjectType('Policy', { description: 'A fleet-wide policy: rules (built-in or CEL), how strictly they hold, where, and who is exempt' })
export class PolicyDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field()
  description: string;

  @Field(() => PolicyModeValue)
  mode: PolicyMode;

  @Field(() => GraphQLJSONObject, { description: 'groups, clusterSelector, namespaces, kinds ({ group, kind }); empty: the whole fleet' })
  scope: PolicyScope;

  @Field(() => [GraphQLJSONObject], { description: 'Each { namespaces?, objectSelector?, reason, expiresAt? }' })
  exemptions: PolicyExemption[];

  @Field(() => [GraphQLJSONObject], { description: 'Each { type: builtin, id, params?, severity? } or { type: cel, name, matchConstraints?, matchConditions?, variables?, validations, params?, failurePolicy?, severity? }' })
  rules: PolicyRule[];

  @Field(() => Int, { description: 'The version in force: 1 when created, one more at every update' })
  version: number;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

@InputType({ description: 'A policy to create, or the new version of one (fields left out keep their value)' })
export class PolicyInput {
  @Field()
  @IsResourceName()
  name: string;

  @Field({ nullable: true })
  @Omittable()
  @IsString()
  description?: string;

  @Field(() => PolicyModeValue, { nullable: true, description: 'Default audit, when created' })
  @Omittable()
  @IsIn(policyModes)
  mode?: PolicyMode;

  @Field(() => GraphQLJSONObject, { nullable: true })
  @Omittable()
  scope?: PolicyScope;

  @Field(() => [GraphQLJSONObject], { nullable: true })
  @Omittable()
  exemptions?: PolicyExemption[];

  @Field(() => [GraphQLJSONObject], { nullable: true })
  @Omittable()
  rules?: PolicyRule[];
}

@ObjectType('PolicySubject', { description: 'The object a violation concerns' })
export class PolicySubjectDto {
  @Field()
  apiVersion: string;

  @Field()
  kind: string;

  @Field({ description: "'' for cluster-scoped objects" })
  namespace: string;

  @Field()
  name: string;
}

@ObjectType('PolicyViolation', { description: 'One object failing one rule of one policy, in the bundle rendered for one cluster' })
export class PolicyViolationDto {
  @Field()
  cluster: string;

  @Field()
  policy: string;

  @Field(() => Int)
  policyVersion: number;

  @Field(() => PolicyModeValue, { description: 'The mode it was found under: under enforce the cluster did not get the revision' })
  mode: PolicyMode;

  @Field({ description: "The built-in rule's id or the CEL rule's name" })
  rule: string;

  @Field()
  severity: string;

  @Field(() => PolicySubjectDto)
  object: PolicySubjectDto;

  @Field({ description: "Where in the object, e.g. spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation; '' for the whole object" })
  fieldPath: string;

  @Field({ description: 'Names the object and the field' })
  message: string;
}

@ObjectType('PolicyImpactGroup', { description: 'Violating objects of one namespace or team, and the clusters they are on' })
export class PolicyImpactGroupDto {
  @Field({ description: "The namespace, or the team label's value ('' when none)" })
  key: string;

  @Field(() => Int)
  objects: number;

  @Field(() => Int)
  clusters: number;
}

@ObjectType('PolicyImpact', { description: 'What a policy (new, or a new version) would find in what every cluster should run now; nothing is changed' })
export class PolicyImpactDto {
  @Field(() => PolicyModeValue)
  mode: PolicyMode;

  @Field(() => Int, { description: 'The version the draft would be' })
  version: number;

  @Field({ description: 'Whether, enforced, it would keep bundles from clusters' })
  wouldBlock: boolean;

  @Field(() => Int, { description: 'Clusters with at least one violating object' })
  clusters: number;

  @Field(() => Int, { description: 'Violating objects, counted once per cluster' })
  objects: number;

  @Field(() => [PolicyViolationDto])
  violations: PolicyViolationDto[];

  @Field(() => [PolicyImpactGroupDto], { description: 'By namespace, largest first' })
  byNamespace: PolicyImpactGroupDto[];

  @Field(() => [PolicyImpactGroupDto], { description: 'By the team label of the objects, largest first' })
  byTeam: PolicyImpactGroupDto[];
}
