import { Field, GraphQLISODateTime, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ClusterEntity } from '@capstan/persistence';
import { ClusterDto } from '../clusters/cluster.dto';
import { DesiredStatesService } from './desired-states.service';

@ObjectType('DesiredState', { description: 'What a cluster should run of an application now, and what set it' })
export class DesiredStateDto {
  @Field()
  application: string;

  @Field({ description: 'The revision (its id) the cluster should run' })
  revision: string;

  @Field()
  commitSha: string;

  @Field({ description: 'Digest of the bundle rendered of the revision for this cluster' })
  bundleDigest: string;

  @Field({ description: 'What set it: revision (a new commit), placement (the cluster joined, or its variables changed), rollback or rollout' })
  cause: string;

  @Field({ description: 'Who set it: system, or the token that did' })
  setBy: string;

  @Field(() => GraphQLISODateTime)
  updatedAt: Date;
}

@Resolver(() => ClusterDto)
export class ClusterDesiredStateResolver {
  constructor(private readonly desiredStates: DesiredStatesService) {}

  @ResolveField(() => [DesiredStateDto], { description: 'Per application: what the cluster should run now', complexity: 5 })
  desiredState(@Parent() cluster: ClusterEntity): Promise<DesiredStateDto[]> {
    return this.desiredStates.records(cluster.id);
  }
}
