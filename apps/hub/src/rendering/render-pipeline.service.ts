import { Injectable, Logger } from '@nestjs/common';
import { ApplicationEntity, RenderedBundleEntity, RevisionEntity, type SourceEntity } from '@capstan/persistence';
import { DataSource, type EntityManager } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { AuditService } from '../audit/audit.service';
import { type DesiredStateWriter, DesiredStatesService } from '../desired-states/desired-states.service';
import type { CommitInfo } from '../sources/git/git-mirror';
import { type PolicyJudgement, PolicyGate } from '../policies/policy-gate';
import { RolloutsService } from '../rollouts/rollouts.service';
import { ApplicationRenderer, PlacementConflictError, type RenderedApplication } from './application-renderer';

/** What rendering one commit did: whether any revision was new, and the errors of those that failed. */
export interface CommitRenderResult {
  created: boolean;
  error: string | null;
}

type RenderOutcome = { ok: true; result: RenderedApplication } | { ok: false; error: string; onPlacement: boolean };

/**
 * Turns a commit into revisions: for every application of the source, renders each targeted
 * cluster, judges each bundle by the policies in force, stores the bundles by digest, records the
 * revision and sets it as what those clusters should run — except where an `enforce` policy keeps
 * a bundle from a cluster, which keeps what it runs. A render error fails that application's
 * revision and leaves what clusters run alone.
 */
@Injectable()
export class RenderPipelineService {
  private readonly logger = new Logger(RenderPipelineService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly renderer: ApplicationRenderer,
    private readonly audit: AuditService,
    private readonly desiredStates: DesiredStatesService,
    private readonly rollouts: RolloutsService,
    private readonly policyGate: PolicyGate,
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
      await this.desiredStates.change('system', async (writer) => {
        if (!rendered.ok) return this.recordFailed(writer.manager, application, commit, rendered);
        await this.putInForce(writer, application, this.commitFields(application, commit), rendered.result, `commit ${commit.sha}`);
      });
      if (!rendered.ok) {
        errors.push(`application ${application.name}: ${rendered.error}`);
        this.logger.warn(`commit ${commit.sha} of source ${source.name} failed to render for application ${application.name}: ${rendered.error}`);
      }
    }
    return { created, error: errors.length ? errors.join('; ') : null };
  }

  /**
   * The revision placement concerns: the newest, when it failed only on placement (it may render
   * now), else the one in force. Null when there is neither.
   */
  async revisionToPlace(application: ApplicationEntity): Promise<RevisionEntity | null> {
    const newest = await this.dataSource.getRepository(RevisionEntity).findOne({ where: { applicationId: application.id }, order: { sequence: 'DESC' } });
    if (newest?.failedOnPlacement) return newest;
    return application.currentRevisionId ? this.dataSource.getRepository(RevisionEntity).findOneBy({ id: application.currentRevisionId }) : null;
  }

  /**
   * Renders `revision` (from {@link revisionToPlace}) again at its commit for the clusters the
   * application's targets reach now. A revision in force: a cluster that joined a targeted group
   * gets it, one that left loses the application, one whose variables changed gets its new bundle;
   * one that joined after it was rendered and was placed at the revision in force before (it
   * joined during the rollout that made this one in force) follows it; other clusters set to
   * another revision (a rollback, a rollout in flight) keep it. A revision that failed on
   * placement and renders now becomes the revision in force everywhere. Returns the clusters whose
   * desired state changed (announced once written). A render error changes nothing.
   */
  async placeAgain(application: ApplicationEntity, source: SourceEntity, revision: RevisionEntity, tree: string): Promise<string[]> {
    const rendered = await this.tryRender(application, source, tree);
    if (!rendered.ok) {
      if (!revision.failedOnPlacement) this.logger.warn(`application ${application.name} could not be placed again at commit ${revision.commitSha}: ${rendered.error}`);
      return [];
    }
    if (revision.status === 'failed') {
      return this.desiredStates.change('system', async (writer) => {
        await this.putInForce(writer, application, revision, rendered.result, `commit ${revision.commitSha}, rendered again after a placement change`);
        return [...writer.changedClusters];
      });
    }
    const placements = await this.desiredStates.placements(application.id);
    const targeted = rendered.result.clusterDigests;
    const judgement = await this.policyGate.judge(this.dataSource.manager, targeted, rendered.result.bundles);
    // A cluster an enforce policy keeps the bundle from is left as it is: it neither joins nor moves.
    const digests = judgement.shippable;
    const joined = Object.keys(digests).filter((cluster) => !placements.has(cluster));
    const moved = Object.keys(digests).filter((cluster) => placements.get(cluster)?.revisionId === revision.id && placements.get(cluster)?.bundleDigest !== digests[cluster]);
    const inFlight = await this.rollouts.revisionsInFlight(application.id);
    const lateJoiners = Object.keys(digests).filter((cluster) => {
      const placement = placements.get(cluster);
      return placement !== undefined && !(cluster in revision.clusterDigests) && placement.revisionId !== revision.id && !inFlight.has(placement.revisionId);
    });
    const left = [...placements.keys()].filter((cluster) => !(cluster in targeted));
    if (joined.length + moved.length + lateJoiners.length + left.length === 0) return [];
    return this.desiredStates.change('system', async (writer) => {
      await this.storeBundles(writer.manager, rendered.result);
      await writer.assign(application, revision, Object.fromEntries([...joined, ...moved, ...lateJoiners].map((cluster) => [cluster, digests[cluster]])), 'placement');
      await writer.withdraw(application, left);
      await this.audit.record(writer.manager, {
        actor: 'system',
        action: 'revision.place',
        targetType: 'Application',
        targetName: application.name,
        summary: { commit: revision.commitSha, joined, left, rerendered: moved, broughtToRevisionInForce: lateJoiners, blockedByPolicy: judgement.blocked },
      });
      return [...writer.changedClusters];
    });
  }

  /**
   * Records a revision as rendered and puts it in force as the application says: under sync
   * `manual` it waits for startRollout; with a rollout strategy it starts a rollout; without one
   * every targeted cluster runs it at once.
   */
  private async putInForce(writer: DesiredStateWriter, application: ApplicationEntity, fields: Partial<RevisionEntity>, rendered: RenderedApplication, reason: string): Promise<void> {
    const staged = application.syncPolicy === 'manual' || application.rolloutStrategy !== null;
    const judgement = await this.policyGate.judge(writer.manager, rendered.clusterDigests, rendered.bundles);
    const revision = await this.recordRendered(writer.manager, application, fields, rendered, judgement, { inForce: !staged });
    await this.policyGate.record(writer.manager, application.id, revision, judgement);
    if (application.syncPolicy === 'manual') return;
    if (application.rolloutStrategy) await this.rollouts.start(writer, application, revision, { strategy: application.rolloutStrategy, startedBy: 'system', reason });
    else await this.runEverywhere(writer, application, revision, rendered);
  }

  /** Every cluster the revision ships to runs it; those it no longer reaches lose the application (those a policy kept it from keep what they run). */
  private async runEverywhere(writer: DesiredStateWriter, application: ApplicationEntity, revision: RevisionEntity, rendered: RenderedApplication): Promise<void> {
    await writer.assign(application, revision, revision.clusterDigests, 'revision');
    const placements = await this.desiredStates.placements(application.id, writer.manager);
    await writer.withdraw(application, [...placements.keys()].filter((cluster) => !(cluster in rendered.clusterDigests)));
  }

  private tryRender(application: ApplicationEntity, source: SourceEntity, tree: string): Promise<RenderOutcome> {
    return this.renderer.render(application, source, tree).then(
      (result) => ({ ok: true as const, result }),
      (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error.message : String(error), onPlacement: error instanceof PlacementConflictError }),
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

  /**
   * Records the revision as rendered (a new one, or a failed one mended) with what policies found,
   * for the clusters it ships to, and as the one in force unless a rollout is to decide.
   */
  private async recordRendered(manager: EntityManager, application: ApplicationEntity, fields: Partial<RevisionEntity>, rendered: RenderedApplication, judgement: PolicyJudgement, options: { inForce: boolean }): Promise<RevisionEntity> {
    const bundles = await this.storeBundles(manager, rendered);
    const revisions = manager.getRepository(RevisionEntity);
    const revision = await revisions.save(revisions.create({ ...fields, status: 'rendered', error: null, failedOnPlacement: false, clusterDigests: judgement.shippable, policyViolations: judgement.violations }));
    if (options.inForce) await manager.getRepository(ApplicationEntity).update({ id: application.id }, { currentRevisionId: revision.id });
    await this.audit.record(manager, {
      actor: 'system',
      action: 'revision.render',
      targetType: 'Application',
      targetName: application.name,
      summary: { commit: revision.commitSha, clusters: Object.keys(rendered.clusterDigests).length, bundles, blockedByPolicy: judgement.blocked, policyViolations: judgement.violations.length },
    });
    return revision;
  }

  private async recordFailed(manager: EntityManager, application: ApplicationEntity, commit: CommitInfo, failure: { error: string; onPlacement: boolean }): Promise<void> {
    await manager.getRepository(RevisionEntity).save(
      manager.getRepository(RevisionEntity).create({ ...this.commitFields(application, commit), status: 'failed', error: failure.error, failedOnPlacement: failure.onPlacement, clusterDigests: {} }),
    );
    await this.audit.record(manager, { actor: 'system', action: 'revision.fail', targetType: 'Application', targetName: application.name, summary: { commit: commit.sha, error: failure.error } });
  }

  private commitFields(application: ApplicationEntity, commit: CommitInfo) {
    return { applicationId: application.id, commitSha: commit.sha, author: commit.author, message: commit.message, committedAt: commit.committedAt };
  }
}
