import { Field, GraphQLISODateTime, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { ArrayMinSize, IsInt, IsNotEmpty, IsString, Max, Min, ValidateNested } from 'class-validator';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsLabelMap, IsResourceName, Omittable } from '../common/validators';

@InputType({ description: 'Resources an agent may manage, as in an RBAC rule' })
export class AgentAccessRuleInput {
  @Field(() => [String], { description: 'API groups ("" for the core group)' })
  @IsString({ each: true })
  apiGroups: string[];

  @Field(() => [String], { description: 'Resources (plural names, e.g. deployments)' })
  @ArrayMinSize(1)
  @IsString({ each: true })
  @IsNotEmpty({ each: true })
  resources: string[];
}

@InputType({ description: "Narrows the agent's RBAC to these resources in these namespaces; without it the agent may manage everything" })
export class AgentAccessInput {
  @Field(() => [String])
  @ArrayMinSize(1)
  @IsResourceName({ each: true })
  namespaces: string[];

  @Field(() => [AgentAccessRuleInput])
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => AgentAccessRuleInput)
  rules: AgentAccessRuleInput[];
}

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

  @Field(() => AgentAccessInput, { nullable: true, description: "What the installed agent may manage (installManifests' RBAC); default everything" })
  @Omittable()
  @ValidateNested()
  @Type(() => AgentAccessInput)
  access?: AgentAccessInput;
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

  @Field({
    description:
      "The agent's install manifests for the cluster, as multi-document YAML for `kubectl apply -f -`: namespace capstan-system, service account, RBAC, a Secret with the bootstrap token and the hub's public files (the agent keeps its credential there), network policies and the agent Deployment",
  })
  installManifests: string;
}
