import { Injectable } from '@nestjs/common';
import { ApplicationEntity, ApplicationTargetEntity, ClusterGroupEntity, RevisionEntity, SourceEntity } from '@capstan/persistence';
import { type HealPolicy, type IgnoreRule, type SyncPolicy } from '@capstan/vocabulary';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import type { Principal } from '../auth/principal';
import { applyChanges } from '../common/apply-changes';
import { CapstanException } from '../common/capstan.exception';
import { definedIgnoreRule } from '../common/ignore-rule.dto';
import { type PageArgs, paginate } from '../common/pagination';
import type { RolloutStrategyDto } from '../rollouts/rollout.dto';
import { rolloutStrategyDto, rolloutStrategyFrom } from '../rollouts/rollouts.service';
import type { ApplicationDto } from './application.dto';

export interface TargetFields {
  group: string;
  overlayPath?: string;
  variables?: Record<string, string>;
}

export interface ApplicationFields {
  source?: string;
  basePath?: string;
  syncPolicy?: SyncPolicy;
  prune?: boolean;
  healPolicy?: HealPolicy;
  ignoreRules?: IgnoreRule[];
  targets?: TargetFields[];
  /** Null removes it. */
  rolloutStrategy?: RolloutStrategyDto | null;
}

const withRelations = { source: true, targets: { group: true } } as const;

/** The API view of an application: source and groups by name. */
export function toApplicationDto(application: ApplicationEntity): ApplicationDto {
  return {
    id: application.id,
    name: application.name,
    source: application.source?.name ?? '',
    basePath: application.basePath,
    syncPolicy: application.syncPolicy,
    prune: application.prune,
    healPolicy: application.healPolicy,
    ignoreRules: application.ignoreRules ?? [],
    rolloutStrategy: application.rolloutStrategy ? rolloutStrategyDto(application.rolloutStrategy) : null,
    currentRevisionId: application.currentRevisionId,
    targets: (application.targets ?? [])
      .map((target) => ({ group: target.group?.name ?? '', overlayPath: target.overlayPath, variables: target.variables }))
      .sort((a, b) => a.group.localeCompare(b.group)),
    createdAt: application.createdAt,
    updatedAt: application.updatedAt,
  };
}

@Injectable()
export class ApplicationsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
  ) {}

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<ApplicationEntity> {
    const application = await manager.getRepository(ApplicationEntity).findOne({ where: { name }, relations: withRelations });
    if (!application) throw CapstanException.notFound('application', name);
    return application;
  }

  list(page: PageArgs) {
    const query = this.dataSource
      .getRepository(ApplicationEntity)
      .createQueryBuilder('app')
      .leftJoinAndSelect('app.source', 'source')
      .leftJoinAndSelect('app.targets', 'target')
      .leftJoinAndSelect('target.group', 'grp');
    return paginate(query, page, { column: 'app.name', direction: 'ASC', key: (application) => application.name }, toApplicationDto);
  }

  /** The revision in force, if any has rendered. */
  currentRevision(application: { currentRevisionId: string | null }): Promise<RevisionEntity | null> {
    return application.currentRevisionId ? this.dataSource.getRepository(RevisionEntity).findOneBy({ id: application.currentRevisionId }) : Promise.resolve(null);
  }

  async revisions(applicationName: string, page: PageArgs) {
    const application = await this.get(applicationName);
    const query = this.dataSource.getRepository(RevisionEntity).createQueryBuilder('revision').where('revision.application_id = :id', { id: application.id });
    return paginate(query, page, { column: 'revision.sequence', direction: 'DESC', key: (revision) => revision.sequence, integer: true }, (revision) => revision);
  }

  async create(principal: Principal, input: ApplicationFields & { name: string; source: string; basePath: string }, reason?: string): Promise<ApplicationDto> {
    return this.audit.change(principal, { action: 'application.create', targetType: 'Application', targetName: input.name, reason }, async (manager) => {
      const repository = manager.getRepository(ApplicationEntity);
      if (await repository.existsBy({ name: input.name })) throw CapstanException.conflict(`application "${input.name}" already exists`);
      const application = repository.create({
        name: input.name,
        sourceId: (await this.sourceNamed(manager, input.source)).id,
        basePath: input.basePath,
        syncPolicy: input.syncPolicy ?? 'auto',
        prune: input.prune ?? false,
        healPolicy: input.healPolicy ?? 'auto',
        ignoreRules: (input.ignoreRules ?? []).map(definedIgnoreRule),
        rolloutStrategy: input.rolloutStrategy ? rolloutStrategyFrom(input.rolloutStrategy, 'input.rolloutStrategy') : null,
        targets: await this.targetEntities(manager, input.targets ?? []),
      });
      await repository.save(application);
      const created = await this.get(input.name, manager);
      const { id: _id, createdAt: _createdAt, updatedAt: _updatedAt, currentRevisionId: _revision, ...summary } = toApplicationDto(created);
      return { result: toApplicationDto(created), summary };
    });
  }

  async update(principal: Principal, name: string, changes: ApplicationFields, reason?: string): Promise<ApplicationDto> {
    return this.audit.change(principal, { action: 'application.update', targetType: 'Application', targetName: name, reason }, async (manager) => {
      const application = await this.get(name, manager);
      const current = toApplicationDto(application);
      const { source, targets, ignoreRules, rolloutStrategy, ...fields } = changes;
      if (ignoreRules !== undefined) Object.assign(fields, { ignoreRules: ignoreRules.map(definedIgnoreRule) });
      const strategy = rolloutStrategy === undefined ? undefined : rolloutStrategy && rolloutStrategyFrom(rolloutStrategy, 'input.rolloutStrategy');
      const { before, after } = applyChanges(current, { ...fields, source, targets: targets?.map(normaliseTarget), rolloutStrategy: strategy && rolloutStrategyDto(strategy) });
      Object.assign(application, fields);
      if (strategy !== undefined) application.rolloutStrategy = strategy;
      if (source !== undefined) application.sourceId = (await this.sourceNamed(manager, source)).id;
      if (targets !== undefined) {
        await manager.getRepository(ApplicationTargetEntity).delete({ applicationId: application.id });
        application.targets = await this.targetEntities(manager, targets);
      }
      delete application.source;
      await manager.getRepository(ApplicationEntity).save(application);
      return { result: toApplicationDto(await this.get(name, manager)), summary: { before, after } };
    });
  }

  async delete(principal: Principal, name: string, reason?: string): Promise<ApplicationDto> {
    return this.audit.change(principal, { action: 'application.delete', targetType: 'Application', targetName: name, reason }, async (manager) => {
      const application = toApplicationDto(await this.get(name, manager));
      await manager.getRepository(ApplicationEntity).delete({ id: application.id });
      return { result: application, summary: { source: application.source, targets: application.targets } };
    });
  }

  private async sourceNamed(manager: EntityManager, name: string): Promise<SourceEntity> {
    const source = await manager.getRepository(SourceEntity).findOneBy({ name });
    if (!source) throw CapstanException.invalid('input.source', `source "${name}" does not exist`);
    return source;
  }

  private async targetEntities(manager: EntityManager, targets: TargetFields[]): Promise<ApplicationTargetEntity[]> {
    const names = targetGroups(targets);
    const groups = await manager.getRepository(ClusterGroupEntity).findBy({ name: In(names) });
    return targets.map((target, index) => {
      const group = groups.find((candidate) => candidate.name === target.group);
      if (!group) throw CapstanException.invalid(`input.targets[${index}].group`, `cluster group "${target.group}" does not exist`);
      return manager.getRepository(ApplicationTargetEntity).create({ groupId: group.id, overlayPath: target.overlayPath ?? '', variables: target.variables ?? {} });
    });
  }
}

function targetGroups(targets: ReadonlyArray<{ group: string }> | undefined): string[] {
  return (targets ?? []).map((target) => target.group);
}

function normaliseTarget(target: TargetFields) {
  return { group: target.group, overlayPath: target.overlayPath ?? '', variables: target.variables ?? {} };
}
