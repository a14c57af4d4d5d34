import { Module } from '@nestjs/common';
import { RenderingModule } from '../rendering/rendering.module';
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
  imports: [RenderingModule],
  providers: [RegistrationsService, DesiredStateService, ClusterStatusService, DriftService, AgentGrpcServer, AgentGatewayResolver, ClusterStatusResolver, DriftResolver],
  exports: [AgentGrpcServer],
})
export class AgentGatewayModule {}
