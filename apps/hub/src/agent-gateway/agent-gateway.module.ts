import { Module } from '@nestjs/common';
import { AgentGatewayResolver } from './agent-gateway.resolver';
import { ClusterStatusResolver } from './cluster-status.resolver';
import { AgentGrpcServer } from './agent-grpc.server';
import { ClusterStatusService } from './cluster-status.service';
import { DesiredStateService } from './desired-state.service';
import { DriftResolver } from './drift.resolver';
import { DriftService } from './drift.service';
import { RegistrationsService } from './registrations.service';

/** Where agents meet the hub: registration, their gRPC sessions, desired state and bundles. */
@Module({
  providers: [RegistrationsService, DesiredStateService, ClusterStatusService, DriftService, AgentGrpcServer, AgentGatewayResolver, ClusterStatusResolver, DriftResolver],
  exports: [AgentGrpcServer],
})
export class AgentGatewayModule {}
