import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { ApplicationEntity, type Database, type SessionLock, SourceEntity } from '@capstan/persistence';
import { KeyedSerialQueue } from '@capstan/async';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DATABASE } from '../database/database.module';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { RenderPipelineService } from '../rendering/render-pipeline.service';
import { type CommitInfo, GitMirror } from './git/git-mirror';
import { SourcesService } from './sources.service';
import { CapstanException } from '../common/capstan.exception';
import { PoliciesService } from '../policies/policies.service';
import { PolicyFileError, readPolicyFolder } from '../policies/policy-files';

/** How often the poller looks for sources whose interval has elapsed. */
const pollTickMs = 1_000;
/** Placement changes come in bursts (a fleet registering, a relabelling script): one pass after the burst settles. */
const placementSettleMs = 100;

export type SyncOutcome = { status: 'unchanged' | 'synced'; commit: CommitInfo } | { status: 'failed'; error: string };

/**
 * Keeps sources current: fetches each one when its poll interval elapses or a webhook says it
 * moved, checks the commit's signature when the source requires it, and hands new commits to the
 * render pipeline. A failure is recorded on the source; the revision in force stays. When
 * placement changes, the revisions in force are rendered again for the clusters they now reach.
 * Work on one source (a sync, a placement pass) runs one task at a time.
 */
@Injectable()
export class SourceSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SourceSyncService.name);
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Map<string, Promise<SyncOutcome>>();
  private readonly queued = new Map<string, Promise<SyncOutcome>>();
  /** With several hub replicas on one PostgreSQL, only the holder of this lock polls. */
  private readonly pollerLock: SessionLock;
  /** Per source, its work: tasks on one source never overlap. */
  private readonly lanes = new KeyedSerialQueue<string>();
  private placementTimer: NodeJS.Timeout | null = null;
  private placementPass: Promise<void> = Promise.resolve();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE) private readonly database: Database,
    private readonly sources: SourcesService,
    private readonly mirror: GitMirror,
    private readonly pipeline: RenderPipelineService,
    private readonly policies: PoliciesService,
    private readonly events: DesiredStateEvents,
  ) {
    this.pollerLock = this.database.sessionLock('capstan:source-poller', {
      taken: () => this.logger.log('took the source poller lock: this replica polls the sources'),
      lost: (reason) => this.logger.log(`lost the source poller lock (${reason}): this replica polls no sources until it takes the lock again`),
    });
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pollDueSources().catch((error: Error) => this.logger.warn(`polling sources failed: ${error.message}`)), pollTickMs);
    this.timer.unref();
    this.unsubscribe = this.events.onPlacementChanged(() => this.schedulePlacement());
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.placementTimer) clearTimeout(this.placementTimer);
    this.unsubscribe?.();
    await Promise.allSettled([...this.queued.values(), ...this.running.values(), this.placementPass]);
    await this.pollerLock.release();
  }

  /**
   * Fetches a source now. A request made while a sync runs gets a new sync after it (the push it
   * announces may have come too late for the running one); requests made meanwhile share that one.
   */
  sync(sourceName: string): Promise<SyncOutcome> {
    const queued = this.queued.get(sourceName);
    if (queued) return queued;
    const running = this.running.get(sourceName);
    const next = (running ?? Promise.resolve())
      .catch(() => undefined)
      .then(() => {
        this.queued.delete(sourceName);
        const sync = this.lanes.run(sourceName, () => this.syncOnce(sourceName)).finally(() => {
          if (this.running.get(sourceName) === sync) this.running.delete(sourceName);
        });
        this.running.set(sourceName, sync);
        return sync;
      });
    this.queued.set(sourceName, next);
    return next;
  }

  /** Renders the revisions in force again for today's placement, once the burst of changes settles. */
  private schedulePlacement(): void {
    if (this.placementTimer) clearTimeout(this.placementTimer);
    this.placementTimer = setTimeout(() => {
      this.placementTimer = null;
      this.placementPass = this.placementPass.then(() => this.placeAll()).catch((error: Error) => this.logger.warn(`placement pass failed: ${error.message}`));
    }, placementSettleMs);
    this.placementTimer.unref();
  }

  private async placeAll(): Promise<void> {
    const applications = await this.dataSource.getRepository(ApplicationEntity).find({ relations: { source: true }, order: { name: 'ASC' } });
    for (const { id, name, source } of applications) {
      if (!source) continue;
      await this.lanes.run(source.name, async () => {
        // Read again inside the lane: a sync that ran meanwhile may have moved the revision in force.
        const application = await this.dataSource.getRepository(ApplicationEntity).findOne({ where: { id }, relations: { targets: { group: true } } });
        const revision = application && (await this.pipeline.revisionToPlace(application));
        if (!application || !revision) return;
        const tree = await this.mirror.checkout(source.id, this.sources.remote(source), revision.commitSha);
        await this.pipeline.placeAgain(application, source, revision, tree);
      }).catch((error: Error) => this.logger.warn(`application ${name} could not be placed again: ${error.message}`));
    }
  }

  private async pollDueSources(): Promise<void> {
    if (!(await this.pollerLock.held())) return;
    const due = await this.dataSource
      .getRepository(SourceEntity)
      .createQueryBuilder('source')
      .select('source.name', 'name')
      .where(`source.last_fetched_at IS NULL OR source.last_fetched_at + make_interval(secs => source.poll_interval_seconds) <= now()`)
      .getRawMany<{ name: string }>();
    const idle = due.filter(({ name }) => !this.running.has(name) && !this.queued.has(name));
    await Promise.all(idle.map(({ name }) => this.sync(name)));
  }

  /** The source's policy folder, taken whole or not at all; what went wrong (a file, a name taken), or null. */
  private async syncPolicies(source: SourceEntity, commit: CommitInfo, tree: string): Promise<string | null> {
    if (source.policyPath === null) return null;
    try {
      const changed = await this.policies.syncFromSource(source, commit.sha, readPolicyFolder(join(tree, source.path), source.policyPath));
      if (changed.created.length + changed.updated.length + changed.deleted.length > 0) this.logger.log(`source ${source.name}: policies at ${commit.sha.slice(0, 7)}: ${JSON.stringify(changed)}`);
      return null;
    } catch (error) {
      if (!(error instanceof PolicyFileError) && !(error instanceof CapstanException)) throw error;
      return `policies: ${error.message}`;
    }
  }

  private async syncOnce(sourceName: string): Promise<SyncOutcome> {
    const repository = this.dataSource.getRepository(SourceEntity);
    const source = await repository.findOneBy({ name: sourceName });
    if (!source) return { status: 'failed', error: `source "${sourceName}" not found` };
    try {
      const remote = this.sources.remote(source);
      const commit = await this.mirror.fetch(source.id, remote, source.ref);
      if (source.requireSignedCommits) await this.mirror.verifyCommit(source.id, commit.sha, source.signingKeys ?? '');
      const tree = await this.mirror.checkout(source.id, remote, commit.sha);
      // Policies first: the commit's bundles are judged by the commit's policies.
      const policyError = await this.syncPolicies(source, commit, tree);
      const rendered = await this.pipeline.renderCommit(source, commit, tree);
      const error = [policyError, rendered.error].filter(Boolean).join('; ') || null;
      await repository.update({ id: source.id }, { lastCommitSha: commit.sha, lastFetchedAt: new Date(), lastError: error });
      return error ? { status: 'failed', error } : { status: rendered.created ? 'synced' : 'unchanged', commit };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`source ${sourceName}: ${message}`);
      await repository.update({ id: source.id }, { lastFetchedAt: new Date(), lastError: message });
      return { status: 'failed', error: message };
    }
  }
}
