import { Module } from '@nestjs/common';
import { GroupsModule } from '../groups/groups.module';
import { AgentGatewayResolver } from './agent-gateway.resolver';
import { ClusterControlResolver } from './cluster-control.resolver';
import { ApplicationStatusResolver, ClusterApplicationStatusResolver, ClusterStatusResolver } from './cluster-status.resolver';
import { AgentGrpcServer } from './agent-grpc.server';
import { ClusterStatusService } from './cluster-status.service';
import { DesiredStateService } from './desired-state.service';
import { DriftResolver } from './drift.resolver';
import { DriftService } from './drift.service';
import { RegistrationsService } from './registrations.service';

/** Where agents meet the hub: registration, their gRPC sessions, desired state and bundles. */
@Module({
  imports: [GroupsModule],
  providers: [RegistrationsService, DesiredStateService, ClusterStatusService, DriftService, AgentGrpcServer, AgentGatewayResolver, ClusterStatusResolver, ClusterApplicationStatusResolver, ApplicationStatusResolver, DriftResolver, ClusterControlResolver],
  exports: [AgentGrpcServer],
})
export class AgentGatewayModule {}
