import { Injectable } from '@nestjs/common';
import { ClusterCredentialEntity, ClusterEntity, ClusterRegistrationEntity } from '@capstan/persistence';
import { canonicalJson } from '@capstan/manifest';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { generateTokenSecret, hashTokenSecret } from '../auth/token-secret';
import { CapstanException } from '../common/capstan.exception';
import { DesiredStateEvents } from '../rendering/desired-state-events';

/** Why an agent's token or credential was refused; the gRPC layer turns it into UNAUTHENTICATED. */
export class AgentAuthError extends Error {}

@Injectable()
export class RegistrationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly events: DesiredStateEvents,
  ) {}

  /**
   * A one-time bootstrap token for registering cluster `name`, valid for `ttlMinutes`. A new
   * cluster exists from now on, Pending until its agent registers, so that it is placed in its
   * groups and its desired state is ready; an existing one (registering again, e.g. after its
   * credentials were revoked) keeps its labels, which `labels`, when given, must repeat.
   */
  async createRegistration(principal: Principal, input: { name: string; labels?: Record<string, string>; ttlMinutes: number }, reason?: string) {
    const token = generateTokenSecret();
    const expiresAt = new Date(Date.now() + input.ttlMinutes * 60_000);
    const created = await this.audit.change(principal, { action: 'cluster.registration.create', targetType: 'Cluster', targetName: input.name, reason }, async (manager) => {
      const clusters = manager.getRepository(ClusterEntity);
      const existing = await clusters.findOneBy({ name: input.name });
      if (existing && input.labels !== undefined && canonicalJson(existing.labels) !== canonicalJson(input.labels)) {
        throw CapstanException.invalid('input.labels', `cluster "${input.name}" exists with labels ${JSON.stringify(existing.labels)}; leave labels out to register it again, or change them with updateClusterLabels`);
      }
      const labels = existing?.labels ?? input.labels ?? {};
      if (!existing) await clusters.save(clusters.create({ name: input.name, labels }));
      const repository = manager.getRepository(ClusterRegistrationEntity);
      await repository.save(repository.create({ clusterName: input.name, labels, tokenHash: hashTokenSecret(token), expiresAt, createdBy: principal.actor }));
      return { result: !existing, summary: { labels, expiresAt: expiresAt.toISOString(), created: !existing } };
    });
    // A new cluster may belong to groups that applications target.
    if (created) this.events.placementChanged();
    return { cluster: input.name, token, expiresAt };
  }

  /**
   * Exchanges a bootstrap token for a cluster credential; the cluster was created with the token,
   * and again here should it have been deleted since. The token works once and only before it expires.
   */
  async register(token: string, versions: { agentVersion: string; kubernetesVersion: string }): Promise<{ cluster: string; credential: string }> {
    const credential = generateTokenSecret();
    const registered = await this.dataSource.transaction(async (manager) => {
      const registration = await manager
        .getRepository(ClusterRegistrationEntity)
        .createQueryBuilder('registration')
        .setLock('pessimistic_write')
        .where('registration.token_hash = :hash', { hash: hashTokenSecret(token) })
        .getOne();
      if (!registration) throw new AgentAuthError('the bootstrap token is not valid');
      if (registration.usedAt) throw new AgentAuthError(`the bootstrap token for cluster ${registration.clusterName} was already used at ${registration.usedAt.toISOString()}`);
      if (registration.expiresAt.getTime() < Date.now()) throw new AgentAuthError(`the bootstrap token for cluster ${registration.clusterName} expired at ${registration.expiresAt.toISOString()}`);
      const clusters = manager.getRepository(ClusterEntity);
      const existing = await clusters.findOneBy({ name: registration.clusterName });
      const cluster = existing ?? (await clusters.save(clusters.create({ name: registration.clusterName, labels: registration.labels })));
      await clusters.update({ id: cluster.id }, { agentVersion: versions.agentVersion || null, kubernetesVersion: versions.kubernetesVersion || null, lastSeenAt: new Date() });
      await manager.getRepository(ClusterCredentialEntity).insert({ clusterId: cluster.id, credentialHash: hashTokenSecret(credential) });
      await manager.getRepository(ClusterRegistrationEntity).update({ id: registration.id }, { usedAt: new Date() });
      await this.audit.record(manager, { actor: `agent/${cluster.name}`, action: 'cluster.register', targetType: 'Cluster', targetName: cluster.name, summary: { created: !existing, ...versions } });
      return { cluster: cluster.name, credential, created: !existing };
    });
    // A new cluster may belong to groups that applications target.
    if (registered.created) this.events.placementChanged();
    return { cluster: registered.cluster, credential: registered.credential };
  }

  /** The cluster a credential belongs to; refused when unknown or revoked. */
  async authenticate(credential: string): Promise<ClusterEntity> {
    const found = await this.dataSource.getRepository(ClusterCredentialEntity).findOne({ where: { credentialHash: hashTokenSecret(credential) }, relations: { cluster: true } });
    if (!found?.cluster) throw new AgentAuthError('the cluster credential is not valid');
    if (found.revokedAt) throw new AgentAuthError(`the credential of cluster ${found.cluster.name} was revoked`);
    return found.cluster;
  }

  /** Revokes every credential of a cluster: its agent must register again. */
  async revokeCredentials(principal: Principal, clusterName: string, reason?: string): Promise<number> {
    return this.audit.change(principal, { action: 'cluster.credentials.revoke', targetType: 'Cluster', targetName: clusterName, reason }, async (manager) => {
      const cluster = await manager.getRepository(ClusterEntity).findOneBy({ name: clusterName });
      if (!cluster) throw CapstanException.notFound('cluster', clusterName);
      const result = await manager.getRepository(ClusterCredentialEntity).update({ clusterId: cluster.id, revokedAt: IsNull() }, { revokedAt: new Date() });
      return { result: result.affected ?? 0, summary: { revoked: result.affected ?? 0 } };
    });
  }
}
