import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { ClusterEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { CapstanException } from '../common/capstan.exception';
import { ClusterDto } from '../clusters/cluster.dto';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { clusterControl, resyncInstruction } from './agent-instructions';
import { AgentSessionRegistry } from './agent-sessions';

/** Operators' direct controls over a cluster's agent: sync now, pause, resume. */
@Resolver()
export class ClusterControlResolver {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly sessions: AgentSessionRegistry,
    private readonly events: DesiredStateEvents,
  ) {}

  @Mutation(() => Boolean, { description: 'Re-applies an application (all of them when none is named) on a cluster from scratch, now' })
  @RequiredRole('operator')
  @Access.cluster('cluster')
  async sync(@CurrentPrincipal() principal: Principal, @Args('cluster') clusterName: string, @Args('application', { nullable: true }) application?: string, @Args('reason', { nullable: true }) reason?: string) {
    await this.cluster(clusterName);
    if (!(await this.sessions.instruct(clusterName, resyncInstruction(application ?? '')))) throw CapstanException.conflict(`the agent of cluster ${clusterName} is not connected`);
    return this.audit.change(principal, { action: 'cluster.sync', targetType: 'Cluster', targetName: clusterName, reason }, async () => ({ result: true, summary: { application: application ?? '(all)' } }));
  }

  @Mutation(() => ClusterDto, { description: "Stops the cluster's agent applying and healing; drift is still reported" })
  @RequiredRole('operator')
  @Access.cluster('name')
  pauseCluster(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.setPaused(principal, name, true, reason);
  }

  @Mutation(() => ClusterDto, { description: "Lets a paused cluster's agent apply and heal again" })
  @RequiredRole('operator')
  @Access.cluster('name')
  resumeCluster(@CurrentPrincipal() principal: Principal, @Args('name') name: string, @Args('reason', { nullable: true }) reason?: string) {
    return this.setPaused(principal, name, false, reason);
  }

  private async setPaused(principal: Principal, name: string, paused: boolean, reason?: string): Promise<ClusterEntity> {
    const cluster = await this.cluster(name);
    const updated = await this.audit.change(principal, { action: paused ? 'cluster.pause' : 'cluster.resume', targetType: 'Cluster', targetName: name, reason }, async (manager) => {
      await manager.getRepository(ClusterEntity).update({ id: cluster.id }, { paused });
      return { result: { ...cluster, paused }, summary: { paused } };
    });
    // A disconnected agent hears it on its next Hello.
    await this.sessions.instruct(name, clusterControl(paused));
    // Its open drifts are decided again under the policies now in force (only reported while paused).
    this.events.changed([name]);
    return updated;
  }

  private async cluster(name: string): Promise<ClusterEntity> {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw CapstanException.notFound('cluster', name);
    return cluster;
  }
}
