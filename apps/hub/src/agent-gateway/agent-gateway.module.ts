import { Module } from '@nestjs/common';
import { AgentGatewayResolver } from './agent-gateway.resolver';
import { AgentGrpcServer } from './agent-grpc.server';
import { DesiredStateService } from './desired-state.service';
import { RegistrationsService } from './registrations.service';

/** Where agents meet the hub: registration, their gRPC sessions, desired state and bundles. */
@Module({ providers: [RegistrationsService, DesiredStateService, AgentGrpcServer, AgentGatewayResolver], exports: [AgentGrpcServer] })
export class AgentGatewayModule {}
