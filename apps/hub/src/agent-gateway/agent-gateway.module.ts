import { Module } from '@nestjs/common';
import { DesiredStatesModule } from '../desired-states/desired-states.module';
import { GroupsModule } from '../groups/groups.module';
import { PoliciesModule } from '../policies/policies.module';
import { AgentGatewayResolver } from './agent-gateway.resolver';
import { ClusterControlResolver } from './cluster-control.resolver';
import { ApplicationStatusResolver, ClusterApplicationStatusResolver, ClusterStatusResolver } from './cluster-status.resolver';
import { AgentGrpcServer } from './agent-grpc.server';
import { AgentMessageHandler } from './agent-messages.handler';
import { AgentSessionRegistry } from './agent-sessions';
import { ClusterStatusService } from './cluster-status.service';
import { StatusEvents } from './status-events';
import { DriftResolver } from './drift.resolver';
import { DriftService } from './drift.service';
import { RegistrationsService } from './registrations.service';

/** Where agents meet the hub: registration, their gRPC sessions, desired state and bundles. */
@Module({
  imports: [GroupsModule, DesiredStatesModule, PoliciesModule],
  providers: [RegistrationsService, ClusterStatusService, StatusEvents, DriftService, AgentSessionRegistry, AgentMessageHandler, AgentGrpcServer, AgentGatewayResolver, ClusterStatusResolver, ClusterApplicationStatusResolver, ApplicationStatusResolver, DriftResolver, ClusterControlResolver],
  exports: [AgentGrpcServer, StatusEvents, AgentSessionRegistry],
})
export class AgentGatewayModule {}
