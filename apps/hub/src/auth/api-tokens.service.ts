import { Injectable, Logger } from '@nestjs/common';
import { ApiTokenEntity, type TokenRole } from '@capstan/persistence';
import { DataSource, IsNull } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';
import { Principal } from './principal';
import { generateTokenSecret, hashTokenSecret } from './token-secret';

const adminTokenName = 'admin';
/** `last_used_at` is refreshed at most this often, so reads do not turn into writes. */
const lastUsedResolutionMs = 60_000;

@Injectable()
export class ApiTokensService {
  private readonly logger = new Logger(ApiTokensService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  /** The principal a bearer token stands for; UNAUTHENTICATED when it is unknown or revoked. */
  /** The principal of an `Authorization: Bearer <token>` header. */
  authenticateHeader(header: string | undefined): Promise<Principal> {
    if (!header) throw CapstanException.unauthenticated('missing Authorization header: send "Authorization: Bearer <token>"');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw CapstanException.unauthenticated('the Authorization header must be "Bearer <token>"');
    return this.authenticate(match[1]);
  }

  async authenticate(secret: string): Promise<Principal> {
    const repository = this.dataSource.getRepository(ApiTokenEntity);
    const token = await repository.findOneBy({ tokenHash: hashTokenSecret(secret) });
    if (!token) throw CapstanException.unauthenticated('the bearer token is not valid');
    if (token.revokedAt) throw CapstanException.unauthenticated(`the bearer token "${token.name}" was revoked`);
    const now = Date.now();
    if (!token.lastUsedAt || now - token.lastUsedAt.getTime() > lastUsedResolutionMs) {
      await repository.update({ id: token.id }, { lastUsedAt: new Date(now) });
    }
    return new Principal(token.id, token.name, token.role, token.groupScope);
  }

  /**
   * Makes sure an admin can reach the API on first start: with `fixedSecret` that token is
   * ensured; otherwise, when no token exists yet, one is generated and returned (to print once).
   */
  async ensureAdminToken(fixedSecret: string | undefined): Promise<string | null> {
    return this.dataSource.transaction(async (manager) => {
      // Serialises concurrent hub replicas starting on an empty database.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('capstan:admin-token'))`);
      const repository = manager.getRepository(ApiTokenEntity);
      if (fixedSecret) {
        const tokenHash = hashTokenSecret(fixedSecret);
        if (await repository.existsBy({ tokenHash })) return null;
        const name = (await repository.existsBy({ name: adminTokenName })) ? `${adminTokenName}-${tokenHash.slice(0, 8)}` : adminTokenName;
        await repository.insert({ name, role: 'admin', groupScope: null, tokenHash, createdBy: 'CAPSTAN_ADMIN_TOKEN' });
        await this.audit.record(manager, { actor: 'system', action: 'token.create', targetType: 'ApiToken', targetName: name, summary: { role: 'admin', from: 'CAPSTAN_ADMIN_TOKEN' } });
        this.logger.log(`admin token "${name}" taken from CAPSTAN_ADMIN_TOKEN`);
        return null;
      }
      if ((await repository.count()) > 0) return null;
      const secret = generateTokenSecret();
      await repository.insert({ name: adminTokenName, role: 'admin', groupScope: null, tokenHash: hashTokenSecret(secret), createdBy: 'system' });
      await this.audit.record(manager, { actor: 'system', action: 'token.create', targetType: 'ApiToken', targetName: adminTokenName, summary: { role: 'admin', generated: true } });
      return secret;
    });
  }

  async create(
    principal: Principal,
    input: { name: string; role: TokenRole; groupScope?: string[] | null },
    reason?: string,
  ): Promise<{ token: ApiTokenEntity; secret: string }> {
    const groupScope = input.groupScope ?? null;
    if (!principal.hasRole(input.role)) throw CapstanException.permissionDenied(`${principal.actor} may not create a token with more power than its own`);
    const secret = generateTokenSecret();
    const token = await this.audit.change(principal, { action: 'token.create', targetType: 'ApiToken', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(ApiTokenEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`API token "${input.name}" already exists`);
      const created = await repository.save(repository.create({ name: input.name, role: input.role, groupScope, tokenHash: hashTokenSecret(secret), createdBy: principal.actor }));
      return { result: created, summary: { role: input.role, groupScope } };
    });
    return { token, secret };
  }

  async revoke(principal: Principal, name: string, reason?: string): Promise<ApiTokenEntity> {
    return this.audit.change(principal, { action: 'token.revoke', targetType: 'ApiToken', targetName: name, reason }, async (manager) => {
      const repository = manager.getRepository(ApiTokenEntity);
      const token = await repository.findOneBy({ name, revokedAt: IsNull() });
      if (!token) throw CapstanException.notFound('active API token', name);
      token.revokedAt = new Date();
      await repository.save(token);
      return { result: token, summary: { role: token.role } };
    });
  }

  get(id: string): Promise<ApiTokenEntity> {
    return this.dataSource.getRepository(ApiTokenEntity).findOneByOrFail({ id });
  }

  list(page: PageArgs) {
    const query = this.dataSource.getRepository(ApiTokenEntity).createQueryBuilder('token');
    return paginate(query, page, { column: 'token.name', direction: 'ASC', key: (token) => token.name }, (token) => token);
  }
}
