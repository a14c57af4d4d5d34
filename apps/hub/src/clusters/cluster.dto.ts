import { ArgsType, Field, GraphQLISODateTime, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { IsOptional } from 'class-validator';
import { ConnectionType, PageArgs } from '../common/pagination';
import { StringMapScalar } from '../common/string-map.scalar';
import { IsLabelMap, IsLabelSelector, IsResourceName } from '../common/validators';

export enum ClusterState {
  Pending = 'Pending',
  Connected = 'Connected',
  Disconnected = 'Disconnected',
}
registerEnumType(ClusterState, {
  name: 'ClusterState',
  description: 'Pending: registered, its agent has not connected yet; Connected: heard from lately; Disconnected: not heard from lately',
});

@ObjectType('Cluster', { description: 'A registered Kubernetes cluster' })
export class ClusterDto {
  @Field(() => ID)
  id: string;

  @Field()
  name: string;

  @Field(() => StringMapScalar)
  labels: Record<string, string>;

  @Field(() => String, { nullable: true })
  agentVersion: string | null;

  @Field(() => String, { nullable: true })
  kubernetesVersion: string | null;

  @Field({ description: 'Paused: its agent applies and heals nothing until resumed' })
  paused: boolean;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When its agent was last heard from' })
  lastSeenAt: Date | null;

  @Field(() => GraphQLISODateTime)
  createdAt: Date;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

export const ClusterConnection = ConnectionType(ClusterDto, 'Cluster');

@ArgsType()
export class ClustersArgs extends PageArgs {
  @Field({ nullable: true, description: 'Label selector, e.g. "env=prod,region in (eu,us)"' })
  @IsOptional()
  @IsLabelSelector()
  selector?: string;
}

@InputType()
export class CreateClusterInput {
  @Field()
  @IsResourceName()
  name: string;

  @Field(() => StringMapScalar, { nullable: true })
  @IsOptional()
  @IsLabelMap()
  labels?: Record<string, string>;
}

@InputType()
export class UpdateClusterLabelsInput {
  @Field()
  name: string;

  @Field(() => StringMapScalar, { description: 'The complete new set of labels' })
  @IsLabelMap()
  labels: Record<string, string>;
}
