import { Injectable } from '@nestjs/common';
import { ApplicationEntity, type SourceAuthKind, SourceEntity } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { applyChanges, definedFields } from '../common/apply-changes';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';
import { SecretBox } from '../secrets/secret-box';
import type { GitAuth, GitRemote } from './git/git-mirror';
import type { SourceDto } from './source.dto';

export interface SourceFields {
  url?: string;
  ref?: string;
  path?: string;
  policyPath?: string | null;
  pollIntervalSeconds?: number;
  requireSignedCommits?: boolean;
  signingKeys?: string | null;
  authKind?: SourceAuthKind;
  authUsername?: string | null;
  authSecret?: string | null;
  webhookSecret?: string | null;
}

/** The API view of a source: secrets are never shown, only whether they are set. */
export function toSourceDto(source: SourceEntity): SourceDto {
  const { authSecret: _authSecret, webhookSecret, authUsername: _authUsername, ...visible } = source;
  return { ...visible, webhookEnabled: webhookSecret !== null };
}

/** What an audit entry may say of source fields: secrets only as set or cleared. */
function auditable(fields: Partial<SourceEntity>): Record<string, unknown> {
  const summary: Record<string, unknown> = { ...fields };
  for (const key of ['authSecret', 'webhookSecret'] as const) {
    if (key in summary) summary[key] = summary[key] === null ? '(cleared)' : '(set)';
  }
  return summary;
}

@Injectable()
export class SourcesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly secrets: SecretBox,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<SourceEntity> {
    const source = await manager.getRepository(SourceEntity).findOneBy({ name });
    if (!source) throw CapstanException.notFound('source', name);
    return source;
  }

  list(page: PageArgs) {
    const query = this.dataSource.getRepository(SourceEntity).createQueryBuilder('source');
    return paginate(query, page, { column: 'source.name', direction: 'ASC', key: (source) => source.name }, toSourceDto);
  }

  /** How to authenticate to the source's remote, with its secret unsealed. */
  gitAuth(source: SourceEntity): GitAuth {
    if (source.authKind === 'none' || !source.authSecret) return { kind: 'none' };
    const secret = this.secrets.open(source.authSecret);
    return source.authKind === 'ssh-key' ? { kind: 'ssh-key', privateKey: secret } : { kind: 'https-token', username: source.authUsername ?? 'git', token: secret };
  }

  /** Where the source's commits come from, with its secret unsealed. */
  remote(source: SourceEntity): GitRemote {
    return { name: source.name, url: source.url, auth: this.gitAuth(source) };
  }

  /** The webhook secret, unsealed; null when the source accepts no webhooks. */
  webhookSecret(source: SourceEntity): string | null {
    return source.webhookSecret === null ? null : this.secrets.open(source.webhookSecret);
  }

  async create(principal: Principal, input: SourceFields & { name: string; url: string }, reason?: string): Promise<SourceDto> {
    return this.audit.change(principal, { action: 'source.create', targetType: 'Source', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(SourceEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`source "${input.name}" already exists`);
      const source = repository.create({ authKind: 'none', ...definedFields({ ...input, ...this.sealed(input) }) });
      assertAuthComplete(source);
      await repository.save(source);
      const { name: _name, ...fields } = definedFields(input);
      return { result: toSourceDto(source), summary: auditable(fields) };
    });
  }

  async update(principal: Principal, name: string, changes: SourceFields, reason?: string): Promise<SourceDto> {
    return this.audit.change(principal, { action: 'source.update', targetType: 'Source', targetName: name, reason }, async (manager) => {
      const source = await this.get(name, manager);
      const { before, after } = applyChanges(source, { ...changes, ...this.sealed(changes) });
      assertAuthComplete(source);
      await manager.getRepository(SourceEntity).save(source);
      return { result: toSourceDto(source), summary: { before: auditable(before), after: auditable(after) } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<SourceDto> {
    return this.audit.change(principal, { action: 'source.delete', targetType: 'Source', targetName: name, reason }, async (manager) => {
      const source = await this.get(name, manager);
      const users = await manager.getRepository(ApplicationEntity).find({ select: { name: true }, where: { sourceId: source.id } });
      if (users.length > 0) throw CapstanException.conflict(`source "${name}" is used by application(s) ${users.map((app) => app.name).join(', ')}`);
      await manager.getRepository(SourceEntity).delete({ id: source.id });
      return { result: toSourceDto(source), summary: { url: source.url } };
    });
  }

  private sealed(fields: SourceFields): Pick<SourceFields, 'authSecret' | 'webhookSecret'> {
    const seal = (value: string | null | undefined) => (value === undefined || value === null ? value : this.secrets.seal(value));
    return { authSecret: seal(fields.authSecret), webhookSecret: seal(fields.webhookSecret) };
  }
}

function assertAuthComplete(source: SourceEntity): void {
  if (source.authKind !== 'none' && !source.authSecret) {
    throw CapstanException.invalid('input.authSecret', `is required when authKind is ${source.authKind}`);
  }
  if (source.requireSignedCommits && !source.signingKeys?.trim()) {
    throw CapstanException.invalid('input.signingKeys', 'are required when requireSignedCommits is true');
  }
}
