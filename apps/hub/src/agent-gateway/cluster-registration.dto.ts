import { Field, GraphQLISODateTime, InputType, Int, ObjectType } from '@nestjs/graphql';
import { IsInt, Max, Min } from 'class-validator';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsLabelMap, IsResourceName, Omittable } from '../common/validators';

@InputType()
export class CreateClusterRegistrationInput {
  @Field({ description: 'Name the cluster registers as' })
  @IsResourceName()
  name: string;

  @Field(() => StringMapScalar, { nullable: true, description: 'Labels of a new cluster; a cluster registering again keeps its own' })
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

  @Field({
    description:
      "A shell command that runs the cluster's agent against this hub, to paste where the cluster's kubeconfig is ($KUBECONFIG or ~/.kube/config): it writes the hub's public key (and the CA of its self-signed certificate) to ~/.capstan/agents/<cluster>/, keeps the credential there, and registers with the token",
  })
  agentCommand: string;
}
