import { Args, Context, Field, GraphQLISODateTime, ID, Int, Mutation, ObjectType, Parent, ResolveField, Resolver, Subscription } from '@nestjs/graphql';
import { ClusterEntity, type DriftEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { AccessScope } from '../auth/access-policy';
import { Access, CurrentScope } from '../auth/access.decorator';
import type { AuthenticatedRequest } from '../auth/current-principal.decorator';
import { SubscriberAccess } from '../auth/subscriber-access';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { CapstanException } from '../common/capstan.exception';
import { ClusterDto } from '../clusters/cluster.dto';
import { LiveChanges } from '../live/live-changes';
import { mappedLive } from '../live/live-iterator';
import { checkLiveSubjects, matchesLiveSubjects } from '../live/live-subjects';
import { AgentSessionRegistry } from './agent-sessions';
import { DriftService } from './drift.service';

@ObjectType('FieldDrift', { description: 'A field whose live value is not what git says' })
export class FieldDriftDto {
  @Field({ description: 'e.g. spec.template.spec.containers[name=web].image' })
  path: string;

  @Field({ description: 'The value git says, as JSON' })
  desired: string;

  @Field({ description: 'The live value as JSON; empty when the field is gone' })
  live: string;

  @Field({ description: 'The field manager that changed it, e.g. kubectl-edit' })
  changedBy: string;
}

@ObjectType('Drift', { description: 'A managed object that differs from git; its events (query `events(drift: id)`) tell the cycle step by step' })
export class DriftDto {
  @Field(() => ID)
  id: string;

  @Field()
  cluster: string;

  @Field()
  application: string;

  @Field({ description: 'Kind/namespace/name' })
  subject: string;

  @Field({ description: 'The object was deleted' })
  objectDeleted: boolean;

  @Field(() => [FieldDriftDto])
  fields: FieldDriftDto[];

  @Field({ description: 'healing, held (waiting for approveHeal), alerted (only reported; approveHeal heals it too) or resolved' })
  status: string;

  @Field(() => String, { nullable: true, description: 'Once resolved, how: healed (Capstan put it back), reverted (someone else did), superseded (a new revision was applied over it)' })
  resolution: string | null;

  @Field(() => String, { nullable: true, description: 'The field manager that put the object back, e.g. capstan or kubectl-edit' })
  restoredBy: string | null;

  @Field(() => GraphQLISODateTime)
  detectedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the hub told the agent to heal it; empty when the agent healed it on its own, cut off from the hub' })
  instructedAt: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the object matched git again, however that came about' })
  resolvedAt: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When Capstan healed it: resolvedAt of a healed drift' })
  healedAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds from detection to healed' })
  timeToHealMs: number | null;
}

const toDriftDto = (drift: DriftEntity, cluster: string): DriftDto => {
  const healedAt = drift.resolution === 'healed' ? drift.resolvedAt : null;
  return {
    id: drift.id,
    cluster,
    application: drift.application?.name ?? '',
    subject: drift.subject,
    objectDeleted: drift.objectDeleted,
    fields: drift.fields,
    status: drift.status,
    resolution: drift.resolution,
    restoredBy: drift.restoredBy,
    detectedAt: drift.detectedAt,
    instructedAt: drift.instructedAt,
    resolvedAt: drift.resolvedAt,
    healedAt,
    timeToHealMs: healedAt ? healedAt.getTime() - drift.detectedAt.getTime() : null,
  };
};

@Resolver(() => ClusterDto)
export class DriftResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly drifts: DriftService,
    private readonly sessions: AgentSessionRegistry,
    private readonly audit: AuditService,
    private readonly live: LiveChanges,
    private readonly access: SubscriberAccess,
  ) {}

  @Subscription(() => DriftDto, { description: 'Each drift as it is detected, decided, instructed and resolved: of one cluster and/or application, or of every cluster the caller may see' })
  async driftChanged(
    @Args('cluster', { type: () => String, nullable: true }) cluster: string | null,
    @Args('application', { type: () => String, nullable: true }) application: string | null,
    @CurrentScope() scope: AccessScope,
    @Context('req') request: AuthenticatedRequest,
  ) {
    await checkLiveSubjects(this.dataSource, scope, { cluster, application });
    return mappedLive(this.live.follow<DriftEntity>('drift'), 'driftChanged', async (drift) =>
      matchesLiveSubjects(await this.access.scopeOf(request), { cluster, application }, drift.cluster, drift.application?.name) ? toDriftDto(drift, drift.cluster?.name ?? '') : undefined,
    );
  }

  @ResolveField(() => [DriftDto], { description: 'Drift not yet resolved: being healed, held for approval, or alerted', complexity: 5 })
  async drift(@Parent() cluster: ClusterEntity): Promise<DriftDto[]> {
    return (await this.drifts.openDrifts(cluster.id)).map((drift) => toDriftDto(drift, cluster.name));
  }

  @ResolveField(() => [DriftDto], { description: 'Drift of any status, newest first, with when it was seen, instructed and healed', complexity: 10 })
  async driftHistory(@Parent() cluster: ClusterEntity, @Args('first', { type: () => Int, defaultValue: 20 }) first: number): Promise<DriftDto[]> {
    return (await this.drifts.history(cluster.id, Math.min(Math.max(first, 1), 500))).map((drift) => toDriftDto(drift, cluster.name));
  }

  @Mutation(() => Int, { description: 'Heals the drift held for approval or alerted on a cluster for an application; returns how many objects are re-applied' })
  @RequiredRole('operator')
  @Access.cluster('cluster')
  async approveHeal(@CurrentPrincipal() principal: Principal, @Args('cluster') clusterName: string, @Args('application') application: string, @Args('reason', { nullable: true }) reason?: string) {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name: clusterName });
    if (!cluster) throw CapstanException.notFound('cluster', clusterName);
    const held = await this.drifts.approvable(cluster.id, application);
    if (held.length === 0) throw CapstanException.conflict(`no drift of application ${application} is held or alerted on cluster ${clusterName}`);
    if (!(await this.sessions.sendHeal(clusterName, held))) throw CapstanException.conflict(`the agent of cluster ${clusterName} is not connected; approve again once it is`);
    for (const drift of held) await this.drifts.markInstructed(drift, 'approved');
    return this.audit.change(principal, { action: 'heal.approve', targetType: 'Cluster', targetName: clusterName, reason }, async () => ({
      result: held.length,
      summary: { application, objects: held.map((drift) => drift.subject) },
    }));
  }
}
