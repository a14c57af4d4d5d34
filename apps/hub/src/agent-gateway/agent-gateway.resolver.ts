import { readFileSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { Args, Int, Mutation, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { RequiredRole } from '../auth/required-role.decorator';
import { agentInstallYaml } from '@capstan/agent-install';
import { defaultAgentImage, type HubConfig } from '../config/hub-config';
import { HUB_CONFIG } from '../config/hub-config.module';
import { agentInstallCommand, defaultHubAddress, selfSignedCertificate } from './agent-install-command';
import { AgentGrpcServer } from './agent-grpc.server';
import { AgentMessageHandler } from './agent-messages.handler';
import { AgentSessionRegistry } from './agent-sessions';
import { ClusterRegistrationDto, CreateClusterRegistrationInput } from './cluster-registration.dto';
import { servingCertificateFile } from './hub-keys';
import { RegistrationsService } from './registrations.service';

@Resolver()
export class AgentGatewayResolver {
  constructor(
    private readonly registrations: RegistrationsService,
    private readonly grpc: AgentGrpcServer,
    private readonly handler: AgentMessageHandler,
    private readonly sessions: AgentSessionRegistry,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Mutation(() => ClusterRegistrationDto, { description: 'A one-time, expiring bootstrap token with which an agent registers the cluster' })
  @RequiredRole('operator')
  @Access.newCluster('input')
  async createClusterRegistration(@CurrentPrincipal() principal: Principal, @Args('input') input: CreateClusterRegistrationInput, @Args('reason', { nullable: true }) reason?: string) {
    const registration = await this.registrations.createRegistration(principal, { name: input.name, labels: input.labels, ttlMinutes: input.ttlMinutes ?? 60 }, reason);
    const hubPublicKey = this.handler.signer.publicKeyPem;
    // Read each time: an operator may replace the certificate file with one a CA issued.
    const certificateAuthority = this.config.grpcInsecure ? null : selfSignedCertificate(readFileSync(servingCertificateFile(this.config.stateDir), 'utf8'));
    const hubAddress = this.config.publicGrpcAddress ?? defaultHubAddress(this.config.host, this.grpc.port);
    const agentCommand = agentInstallCommand({ cluster: registration.cluster, hubAddress, token: registration.token, hubPublicKey, certificateAuthority, insecure: this.config.grpcInsecure });
    const installManifests = agentInstallYaml({
      cluster: registration.cluster,
      hubAddress,
      bootstrapToken: registration.token,
      hubPublicKey,
      hubCertificateAuthority: certificateAuthority ?? undefined,
      hubInsecure: this.config.grpcInsecure,
      image: this.config.agentImage ?? defaultAgentImage,
      access: input.access,
    });
    return { ...registration, hubPublicKey, agentCommand, installManifests };
  }

  @Mutation(() => Int, { description: "Revokes a cluster's agent credentials; returns how many were revoked" })
  @RequiredRole('operator')
  @Access.cluster('cluster')
  async revokeClusterCredentials(@CurrentPrincipal() principal: Principal, @Args('cluster') cluster: string, @Args('reason', { nullable: true }) reason?: string) {
    const revoked = await this.registrations.revokeCredentials(principal, cluster, reason);
    await this.sessions.disconnect(cluster, `the credential of cluster ${cluster} was revoked`);
    return revoked;
  }
}
