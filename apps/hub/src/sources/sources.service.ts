import { Injectable } from '@nestjs/common';
import { ApplicationEntity, SourceEntity } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { applyChanges } from '../common/apply-changes';
import { CapstanException } from '../common/capstan.exception';
import { type PageArgs, paginate } from '../common/pagination';

type SourceFields = Partial<Pick<SourceEntity, 'url' | 'ref' | 'path' | 'pollIntervalSeconds' | 'requireSignedCommits'>>;

@Injectable()
export class SourcesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<SourceEntity> {
    const source = await manager.getRepository(SourceEntity).findOneBy({ name });
    if (!source) throw CapstanException.notFound('source', name);
    return source;
  }

  list(page: PageArgs) {
    const query = this.dataSource.getRepository(SourceEntity).createQueryBuilder('source');
    return paginate(query, page, { column: 'source.name', direction: 'ASC', key: (source) => source.name }, (source) => source);
  }

  async create(principal: Principal, input: SourceFields & { name: string; url: string }, reason?: string): Promise<SourceEntity> {
    principal.assertUnscoped('sources');
    return this.audit.change(principal, { action: 'source.create', targetType: 'Source', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(SourceEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`source "${input.name}" already exists`);
      const source = await repository.save(repository.create(input));
      return { result: source, summary: { url: source.url, ref: source.ref, path: source.path, pollIntervalSeconds: source.pollIntervalSeconds, requireSignedCommits: source.requireSignedCommits } };
    });
  }

  async update(principal: Principal, name: string, changes: SourceFields, reason?: string): Promise<SourceEntity> {
    principal.assertUnscoped('sources');
    return this.audit.change(principal, { action: 'source.update', targetType: 'Source', targetName: name, reason }, async (manager) => {
      const source = await this.get(name, manager);
      const { before, after } = applyChanges(source, changes);
      await manager.getRepository(SourceEntity).save(source);
      return { result: source, summary: { before, after } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<SourceEntity> {
    principal.assertUnscoped('sources');
    return this.audit.change(principal, { action: 'source.delete', targetType: 'Source', targetName: name, reason }, async (manager) => {
      const source = await this.get(name, manager);
      const users = await manager.getRepository(ApplicationEntity).find({ select: { name: true }, where: { sourceId: source.id } });
      if (users.length > 0) throw CapstanException.conflict(`source "${name}" is used by application(s) ${users.map((app) => app.name).join(', ')}`);
      await manager.getRepository(SourceEntity).delete({ id: source.id });
      return { result: source, summary: { url: source.url } };
    });
  }
}
