import { Field, GraphQLISODateTime, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import type { ClusterEntity } from '@capstan/persistence';
import { ClusterDto } from '../clusters/cluster.dto';
import { ClusterStatusService } from './cluster-status.service';

@ObjectType('ChangeSetEntry', { description: 'What an apply did to one object' })
export class ChangeSetEntryDto {
  @Field({ description: 'Kind/namespace/name' })
  subject: string;

  @Field({ description: 'created, configured, unchanged, deleted, skipped or failed' })
  action: string;

  @Field({ description: "Why it was skipped or failed, in the API server's words" })
  message: string;
}

@ObjectType('ClusterApplicationStatus', { description: 'What the agent last reported for one application on its cluster' })
export class ClusterApplicationStatusDto {
  @Field()
  application: string;

  @Field({ description: 'Synced, OutOfSync or Failed' })
  syncState: string;

  @Field()
  bundleDigest: string;

  @Field(() => String, { nullable: true })
  error: string | null;

  @Field({ description: 'Healthy, Progressing, Degraded, Suspended, Missing or Unknown: its least healthy object' })
  health: string;

  @Field()
  healthMessage: string;

  @Field(() => [ChangeSetEntryDto], { description: 'The ChangeSet of the last apply' })
  changeSet: ChangeSetEntryDto[];

  @Field(() => GraphQLISODateTime)
  reportedAt: Date;
}

/** An agent that has not been heard from for this long (three heartbeats) counts as disconnected. */
export const connectionDeadlineMs = 30_000;

@Resolver(() => ClusterDto)
export class ClusterStatusResolver {
  constructor(private readonly statuses: ClusterStatusService) {}

  @ResolveField(() => Boolean, { description: `Whether its agent was heard from in the last ${connectionDeadlineMs / 1000} seconds` })
  connected(@Parent() cluster: ClusterEntity): boolean {
    return cluster.lastSeenAt !== null && Date.now() - cluster.lastSeenAt.getTime() < connectionDeadlineMs;
  }

  @ResolveField(() => [ClusterApplicationStatusDto], { description: 'Per application: the last status its agent reported', complexity: 5 })
  async applications(@Parent() cluster: ClusterEntity): Promise<ClusterApplicationStatusDto[]> {
    return (await this.statuses.forCluster(cluster.id)).map((status) => ({
      application: status.application?.name ?? '',
      syncState: status.syncState,
      bundleDigest: status.bundleDigest,
      error: status.error,
      health: status.healthStatus,
      healthMessage: status.healthMessage,
      changeSet: status.changeSet,
      reportedAt: status.reportedAt,
    }));
  }
}
