import { Injectable, Logger } from '@nestjs/common';
import { ApplicationEntity, RenderedBundleEntity, RevisionEntity, type SourceEntity } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditService } from '../audit/audit.service';
import type { CommitInfo } from '../sources/git/git-mirror';
import { ApplicationRenderer, type RenderedApplication } from './application-renderer';
import { DesiredStateEvents } from './desired-state-events';

/** What rendering one commit did: whether any revision was new, and the errors of those that failed. */
export interface CommitRenderResult {
  created: boolean;
  error: string | null;
}

/**
 * Turns a commit into revisions: for every application of the source, renders each targeted
 * cluster, stores the bundles by digest and records the revision. A render error fails that
 * application's revision and leaves its previous revision in force.
 */
@Injectable()
export class RenderPipelineService {
  private readonly logger = new Logger(RenderPipelineService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly renderer: ApplicationRenderer,
    private readonly audit: AuditService,
    private readonly events: DesiredStateEvents,
  ) {}

  async renderCommit(source: SourceEntity, commit: CommitInfo, tree: string): Promise<CommitRenderResult> {
    const applications = await this.dataSource.getRepository(ApplicationEntity).find({ where: { sourceId: source.id }, relations: { targets: { group: true } }, order: { name: 'ASC' } });
    let created = false;
    const errors: string[] = [];
    for (const application of applications) {
      const exists = await this.dataSource.getRepository(RevisionEntity).existsBy({ applicationId: application.id, commitSha: commit.sha });
      if (exists) continue;
      created = true;
      const rendered = await this.renderer.render(application, source, tree).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
      );
      await this.dataSource.transaction(async (manager) => {
        if (rendered.ok) await this.recordRendered(manager, application, commit, rendered.result);
        else await this.recordFailed(manager, application, commit, rendered.error);
      });
      if (rendered.ok) {
        // Clusters that lost the application must hear of it too.
        const previous = application.currentRevisionId ? await this.dataSource.getRepository(RevisionEntity).findOneBy({ id: application.currentRevisionId }) : null;
        this.events.changed([...new Set([...Object.keys(previous?.clusterDigests ?? {}), ...Object.keys(rendered.result.clusterDigests)])]);
      }
      if (!rendered.ok) {
        errors.push(`application ${application.name}: ${rendered.error}`);
        this.logger.warn(`commit ${commit.sha} of source ${source.name} failed to render for application ${application.name}: ${rendered.error}`);
      }
    }
    return { created, error: errors.length ? errors.join('; ') : null };
  }

  private async recordRendered(manager: EntityManager, application: ApplicationEntity, commit: CommitInfo, rendered: RenderedApplication): Promise<void> {
    // TypeORM's partial-entity type cannot follow recursive JSON; the rows are whole entities.
    const bundles = [...rendered.bundles.entries()].map(([digest, objects]) => ({ digest, objects })) as unknown as QueryDeepPartialEntity<RenderedBundleEntity>[];
    // Identical renders are stored once, whichever revision or cluster produced them first.
    for (let start = 0; start < bundles.length; start += 500) {
      await manager.createQueryBuilder().insert().into(RenderedBundleEntity).values(bundles.slice(start, start + 500)).orIgnore().execute();
    }
    const revision = await manager.getRepository(RevisionEntity).save(
      manager.getRepository(RevisionEntity).create({ ...this.commitFields(application, commit), status: 'rendered', error: null, clusterDigests: rendered.clusterDigests }),
    );
    await manager.getRepository(ApplicationEntity).update({ id: application.id }, { currentRevisionId: revision.id });
    await this.audit.record(manager, {
      actor: 'system',
      action: 'revision.render',
      targetType: 'Application',
      targetName: application.name,
      summary: { commit: commit.sha, clusters: Object.keys(rendered.clusterDigests).length, bundles: bundles.length },
    });
  }

  private async recordFailed(manager: EntityManager, application: ApplicationEntity, commit: CommitInfo, error: string): Promise<void> {
    await manager.getRepository(RevisionEntity).save(
      manager.getRepository(RevisionEntity).create({ ...this.commitFields(application, commit), status: 'failed', error, clusterDigests: {} }),
    );
    await this.audit.record(manager, { actor: 'system', action: 'revision.fail', targetType: 'Application', targetName: application.name, summary: { commit: commit.sha, error } });
  }

  private commitFields(application: ApplicationEntity, commit: CommitInfo) {
    return { applicationId: application.id, commitSha: commit.sha, author: commit.author, message: commit.message, committedAt: commit.committedAt };
  }
}
