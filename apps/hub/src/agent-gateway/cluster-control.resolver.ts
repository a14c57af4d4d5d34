import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { ClusterEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { CapstanException } from '../common/capstan.exception';
import { ClusterDto } from '../clusters/cluster.dto';
import { GroupsService } from '../groups/groups.service';
import { AgentGrpcServer, clusterControl, resyncInstruction } from './agent-grpc.server';

/** Operators' direct controls over a cluster's agent: sync now, pause, resume. */
@Resolver()
export class ClusterControlResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly groups: GroupsService,
    private readonly grpc: AgentGrpcServer,
  ) {}

  @Mutation(() => Boolean, { description: 'Re-applies an application (all of them when none is named) on a cluster from scratch, now' })
  @RequiredRole('operator')
  async sync(@CurrentPrincipal() principal: Principal, @Args('cluster') clusterName: string, @Args('application', { nullable: true }) application?: string, @Args('reason', { nullable: true }) reason?: string) {
    await this.clusterInScope(principal, clusterName);
    if (!(await this.grpc.instruct(clusterName, resyncInstruction(application ?? '')))) throw CapstanException.conflict(`the agent of cluster ${clusterName} is not connected`);
    return this.audit.change(principal, { action: 'cluster.sync', targetType: 'Cluster', targetName: clusterName, reason }, async () => ({ result: true, summary: { application: application ?? '(all)' } }));
  }

  @Mutation(() => ClusterDto, { description: "Stops the cluster's agent applying and healing; drift is still reported" })
  @RequiredRole('operator')
  pauseCluster(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.setPaused(principal, name, true, reason);
  }

  @Mutation(() => ClusterDto, { description: "Lets a paused cluster's agent apply and heal again" })
  @RequiredRole('operator')
  resumeCluster(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.setPaused(principal, name, false, reason);
  }

  private async setPaused(principal: Principal, name: string, paused: boolean, reason?: string): Promise<ClusterEntity> {
    const cluster = await this.clusterInScope(principal, name);
    const updated = await this.audit.change(principal, { action: paused ? 'cluster.pause' : 'cluster.resume', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      await manager.getRepository(ClusterEntity).update({ id: cluster.id }, { paused });
      return { result: { ...cluster, paused }, summary: { paused } };
    });
    // A disconnected agent hears it on its next Hello.
    await this.grpc.instruct(name, clusterControl(paused));
    return updated;
  }

  private async clusterInScope(principal: Principal, name: string): Promise<ClusterEntity> {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw CapstanException.notFound('cluster', name);
    principal.assertMayChangeGroups(await this.groups.groupNamesOf(cluster), `cluster "${name}"`);
    return cluster;
  }
}
