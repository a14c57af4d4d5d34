import { Injectable, Logger } from '@nestjs/common';
import { ApplicationEntity, RenderedBundleEntity, RevisionEntity, type SourceEntity } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditService } from '../audit/audit.service';
import type { CommitInfo } from '../sources/git/git-mirror';
import { ApplicationRenderer, type RenderedApplication } from './application-renderer';
import { DesiredStateEvents } from './desired-state-events';

/** Clusters whose bundle differs between two placements, including those gained or lost. */
function changedClusters(before: Record<string, string>, after: Record<string, string>): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((cluster) => before[cluster] !== after[cluster]);
}

/** Clusters placed in `before` and not in `after`. */
function lostClusters(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys(before).filter((cluster) => !(cluster in after));
}

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
      const rendered = await this.tryRender(application, source, tree);
      const previous = application.currentRevisionId ? await this.dataSource.getRepository(RevisionEntity).findOneBy({ id: application.currentRevisionId }) : null;
      await this.dataSource.transaction(async (manager) => {
        if (!rendered.ok) return this.recordFailed(manager, application, commit, rendered.error);
        await this.recordRendered(manager, application, commit, rendered.result);
        await this.forgetStatuses(manager, application, lostClusters(previous?.clusterDigests ?? {}, rendered.result.clusterDigests));
      });
      // Every cluster of the new revision runs it now, and those that lost the application must hear of it too.
      if (rendered.ok) this.events.changed([...new Set([...Object.keys(previous?.clusterDigests ?? {}), ...Object.keys(rendered.result.clusterDigests)])]);
      if (!rendered.ok) {
        errors.push(`application ${application.name}: ${rendered.error}`);
        this.logger.warn(`commit ${commit.sha} of source ${source.name} failed to render for application ${application.name}: ${rendered.error}`);
      }
    }
    return { created, error: errors.length ? errors.join('; ') : null };
  }

  /**
   * Renders the application's revision in force again, at its commit, for the clusters its
   * targets reach now: a cluster that joined a targeted group gets the application, one that left
   * loses it. Returns the clusters whose desired state changed (already announced). A render error
   * leaves the revision's placement as it was.
   */
  async placeAgain(application: ApplicationEntity, source: SourceEntity, tree: string): Promise<string[]> {
    const revision = application.currentRevisionId ? await this.dataSource.getRepository(RevisionEntity).findOneBy({ id: application.currentRevisionId }) : null;
    if (!revision) return [];
    const rendered = await this.tryRender(application, source, tree);
    if (!rendered.ok) {
      this.logger.warn(`application ${application.name} could not be placed again at commit ${revision.commitSha}: ${rendered.error}`);
      return [];
    }
    const changed = changedClusters(revision.clusterDigests, rendered.result.clusterDigests);
    if (changed.length === 0) return [];
    await this.dataSource.transaction(async (manager) => {
      await this.storeBundles(manager, rendered.result);
      await manager.getRepository(RevisionEntity).update({ id: revision.id }, { clusterDigests: rendered.result.clusterDigests });
      const left = lostClusters(revision.clusterDigests, rendered.result.clusterDigests);
      await this.forgetStatuses(manager, application, left);
      await this.audit.record(manager, {
        actor: 'system',
        action: 'revision.place',
        targetType: 'Application',
        targetName: application.name,
        summary: { commit: revision.commitSha, joined: lostClusters(rendered.result.clusterDigests, revision.clusterDigests), left },
      });
    });
    this.events.changed(changed);
    return changed;
  }

  /** What agents reported of an application on clusters that no longer run it is history, not status. */
  private async forgetStatuses(manager: EntityManager, application: ApplicationEntity, clusters: readonly string[]): Promise<void> {
    if (clusters.length === 0) return;
    for (const table of ['cluster_application_statuses', 'resource_statuses']) {
      await manager.query(`DELETE FROM ${table} AS status USING clusters AS cluster WHERE status.cluster_id = cluster.id AND status.application_id = $1 AND cluster.name = ANY($2::text[])`, [
        application.id,
        clusters,
      ]);
    }
  }

  private tryRender(application: ApplicationEntity, source: SourceEntity, tree: string) {
    return this.renderer.render(application, source, tree).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error) }),
    );
  }

  /** Identical renders are stored once, whichever revision or cluster produced them first. */
  private async storeBundles(manager: EntityManager, rendered: RenderedApplication): Promise<number> {
    // TypeORM's partial-entity type cannot follow recursive JSON; the rows are whole entities.
    const bundles = [...rendered.bundles.entries()].map(([digest, objects]) => ({ digest, objects })) as unknown as QueryDeepPartialEntity<RenderedBundleEntity>[];
    for (let start = 0; start < bundles.length; start += 500) {
      await manager.createQueryBuilder().insert().into(RenderedBundleEntity).values(bundles.slice(start, start + 500)).orIgnore().execute();
    }
    return bundles.length;
  }

  private async recordRendered(manager: EntityManager, application: ApplicationEntity, commit: CommitInfo, rendered: RenderedApplication): Promise<void> {
    const bundles = await this.storeBundles(manager, rendered);
    const revision = await manager.getRepository(RevisionEntity).save(
      manager.getRepository(RevisionEntity).create({ ...this.commitFields(application, commit), status: 'rendered', error: null, clusterDigests: rendered.clusterDigests }),
    );
    await manager.getRepository(ApplicationEntity).update({ id: application.id }, { currentRevisionId: revision.id });
    await this.audit.record(manager, {
      actor: 'system',
      action: 'revision.render',
      targetType: 'Application',
      targetName: application.name,
      summary: { commit: commit.sha, clusters: Object.keys(rendered.clusterDigests).length, bundles },
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
