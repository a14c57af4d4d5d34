import { Args, Field, GraphQLISODateTime, ID, Int, Mutation, ObjectType, Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ClusterEntity, type DriftEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { CapstanException } from '../common/capstan.exception';
import { ClusterDto } from '../clusters/cluster.dto';
import { AgentGrpcServer } from './agent-grpc.server';
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
  application: string;

  @Field({ description: 'Kind/namespace/name' })
  subject: string;

  @Field({ description: 'The object was deleted' })
  objectDeleted: boolean;

  @Field(() => [FieldDriftDto])
  fields: FieldDriftDto[];

  @Field({ description: 'healing, held (waiting for approveHeal), alerted or healed' })
  status: string;

  @Field(() => GraphQLISODateTime)
  detectedAt: Date;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When the hub told the agent to heal it; empty when the agent healed it on its own, cut off from the hub' })
  instructedAt: Date | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  healedAt: Date | null;

  @Field(() => Int, { nullable: true, description: 'Milliseconds from detection to healed' })
  timeToHealMs: number | null;
}

const toDriftDto = (drift: DriftEntity): DriftDto => ({
  id: drift.id,
  timeToHealMs: drift.healedAt ? drift.healedAt.getTime() - drift.detectedAt.getTime() : null,
  application: drift.application?.name ?? '',
  subject: drift.subject,
  objectDeleted: drift.objectDeleted,
  fields: drift.fields,
  status: drift.status,
  detectedAt: drift.detectedAt,
  instructedAt: drift.instructedAt,
  healedAt: drift.healedAt,
});

@Resolver(() => ClusterDto)
export class DriftResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly drifts: DriftService,
    private readonly grpc: AgentGrpcServer,
    private readonly audit: AuditService,
  ) {}

  @ResolveField(() => [DriftDto], { description: 'Drift not yet healed: being healed, held for approval, or alerted', complexity: 5 })
  async drift(@Parent() cluster: ClusterEntity): Promise<DriftDto[]> {
    return (await this.drifts.openDrifts(cluster.id)).map(toDriftDto);
  }

  @ResolveField(() => [DriftDto], { description: 'Drift of any status, newest first, with when it was seen, instructed and healed', complexity: 10 })
  async driftHistory(@Parent() cluster: ClusterEntity, @Args('first', { type: () => Int, defaultValue: 20 }) first: number): Promise<DriftDto[]> {
    return (await this.drifts.history(cluster.id, Math.min(Math.max(first, 1), 500))).map(toDriftDto);
  }

  @Mutation(() => Int, { description: 'Heals the drift held for approval on a cluster for an application; returns how many objects are re-applied' })
  @RequiredRole('operator')
  async approveHeal(@CurrentPrincipal() principal: Principal, @Args('cluster') clusterName: string, @Args('application') application: string, @Args('reason', { nullable: true }) reason?: string) {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name: clusterName });
    if (!cluster) throw CapstanException.notFound('cluster', clusterName);
    const held = await this.drifts.held(cluster.id, application);
    if (held.length === 0) throw CapstanException.conflict(`no drift of application ${application} is held on cluster ${clusterName}`);
    if (!(await this.grpc.sendHeal(clusterName, held))) throw CapstanException.conflict(`the agent of cluster ${clusterName} is not connected; approve again once it is`);
    for (const drift of held) await this.drifts.markInstructed(drift, 'approved');
    return this.audit.change(principal, { action: 'heal.approve', targetType: 'Cluster', targetName: clusterName, reason }, async () => ({
      result: held.length,
      summary: { application, objects: held.map((drift) => drift.subject) },
    }));
  }
}
