import { Field, GraphQLISODateTime, ID, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ConnectionType } from '../common/pagination';

export enum ComplianceStateValue {
  Compliant = 'Compliant',
  NonCompliant = 'NonCompliant',
  Unknown = 'Unknown',
}
registerEnumType(ComplianceStateValue, { name: 'ComplianceState', description: "Compliant: no live object violates the policy; NonCompliant: some do; Unknown: the cluster's agent is not connected, or has not judged the version in force yet" });

@ObjectType('ComplianceViolation', { description: 'One rule a live object fails' })
export class ComplianceViolationDto {
  @Field({ description: "The built-in rule's id or the CEL rule's name" })
  rule: string;

  @Field({ description: "Where in the object; '' for the whole object" })
  fieldPath: string;

  @Field({ description: 'Names the object and the field' })
  message: string;
}

@ObjectType('ViolatingObject', { description: 'A live object failing one rule of the policy now' })
export class ViolatingObjectDto {
  @Field()
  kind: string;

  @Field({ description: "'' for cluster-scoped objects" })
  namespace: string;

  @Field()
  name: string;

  @Field()
  rule: string;

  @Field()
  fieldPath: string;

  @Field()
  message: string;

  @Field(() => GraphQLISODateTime, { description: 'Since when the object is non-compliant' })
  since: Date;
}

@ObjectType('ComplianceTransition', { description: 'A live object becoming non-compliant with a policy, or compliant again (fixed or deleted), as its agent saw it' })
export class ComplianceTransitionDto {
  @Field(() => ID)
  id: string;

  @Field(() => GraphQLISODateTime)
  at: Date;

  @Field(() => Int, { description: 'The version of the policy it was judged by' })
  policyVersion: number;

  @Field()
  kind: string;

  @Field()
  namespace: string;

  @Field()
  name: string;

  @Field()
  compliant: boolean;

  @Field(() => [ComplianceViolationDto], { description: 'The rules it failed; empty when it became compliant' })
  violations: ComplianceViolationDto[];
}

export const ComplianceTransitionConnection = ConnectionType(ComplianceTransitionDto, 'ComplianceTransition');

@ObjectType('Compliance', { description: "Where one cluster's live objects (Capstan's and others') stand with one policy in force there" })
export class ComplianceDto {
  @Field()
  cluster: string;

  @Field()
  policy: string;

  @Field(() => Int, { description: 'The version in force' })
  policyVersion: number;

  @Field(() => ComplianceStateValue)
  state: ComplianceStateValue;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When its agent last told of it; empty before it judged the version in force' })
  judgedAt: Date | null;

  @Field(() => [ViolatingObjectDto], { description: 'One entry per object and rule it fails, as last reported (also while the agent is away)' })
  violatingObjects: ViolatingObjectDto[];

  /** For the history field. */
  clusterId: string;
}
