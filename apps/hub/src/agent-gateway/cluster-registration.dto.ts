import { Field, GraphQLISODateTime, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsLabelMap, IsResourceName, Omittable } from '../common/validators';

@InputType()
export class CreateClusterRegistrationInput {
  @Field({ description: 'Name the cluster registers as' })
  @IsResourceName()
  name: string;

  @Field(() => StringMapScalar, { nullable: true })
  @Omittable()
  @IsLabelMap()
  labels?: Record<string, string>;

  @Field(() => Int, { nullable: true, description: 'Minutes the bootstrap token stays valid (default 60)' })
  @Omittable()
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 60)
  ttlMinutes?: number;
}

@ObjectType('ClusterRegistration', { description: 'A one-time bootstrap token for an agent; shown once' })
export class ClusterRegistrationDto {
  @Field()
  cluster: string;

  @Field()
  token: string;

  @Field(() => GraphQLISODateTime)
  expiresAt: Date;

  @Field({ description: 'The hub public key agents verify bundles with (PEM)' })
  hubPublicKey: string;

  @Field({ description: 'Runs the agent against this hub with the token' })
  agentCommand: string;
}
