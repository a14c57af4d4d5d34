import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { type Database, SourceEntity } from '@capstan/persistence';
import { DataSource, type QueryRunner } from 'typeorm';
import { DATABASE } from '../database/database.module';
import { RenderPipelineService } from '../rendering/render-pipeline.service';
import { type CommitInfo, GitMirror } from './git/git-mirror';
import { SourcesService } from './sources.service';

/** How often the poller looks for sources whose interval has elapsed. */
const pollTickMs = 1_000;

export type SyncOutcome = { status: 'unchanged' | 'synced'; commit: CommitInfo } | { status: 'failed'; error: string };

/**
 * Keeps sources current: fetches each one when its poll interval elapses or a webhook says it
 * moved, checks the commit's signature when the source requires it, and hands new commits to the
 * render pipeline. A failure is recorded on the source; the revision in force stays.
 */
@Injectable()
export class SourceSyncService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SourceSyncService.name);
  private timer: NodeJS.Timeout | null = null;
  private readonly running = new Map<string, Promise<SyncOutcome>>();
  private readonly queued = new Map<string, Promise<SyncOutcome>>();
  private pollerLock: QueryRunner | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(DATABASE) private readonly database: Database,
    private readonly sources: SourcesService,
    private readonly mirror: GitMirror,
    private readonly pipeline: RenderPipelineService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.pollDueSources(), pollTickMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.queued.values(), ...this.running.values()]);
    await this.pollerLock?.release();
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
        const sync = this.syncOnce(sourceName).finally(() => {
          if (this.running.get(sourceName) === sync) this.running.delete(sourceName);
        });
        this.running.set(sourceName, sync);
        return sync;
      });
    this.queued.set(sourceName, next);
    return next;
  }

  private async pollDueSources(): Promise<void> {
    // With several hub replicas on one PostgreSQL, only the holder of this lock polls.
    if (!this.database.embedded && !(await this.holdsPollerLock())) return;
    const due = await this.dataSource
      .getRepository(SourceEntity)
      .createQueryBuilder('source')
      .select('source.name', 'name')
      .where(`source.last_fetched_at IS NULL OR source.last_fetched_at + make_interval(secs => source.poll_interval_seconds) <= now()`)
      .getRawMany<{ name: string }>();
    const idle = due.filter(({ name }) => !this.running.has(name) && !this.queued.has(name));
    await Promise.all(idle.map(({ name }) => this.sync(name)));
  }

  /** Takes the poller's session-level advisory lock on a connection of its own, and keeps it. */
  private async holdsPollerLock(): Promise<boolean> {
    if (this.pollerLock) return true;
    const runner = this.dataSource.createQueryRunner();
    try {
      const [row] = await runner.query(`SELECT pg_try_advisory_lock(hashtext('capstan:source-poller')) AS held`);
      if (row.held === true) {
        this.pollerLock = runner;
        return true;
      }
    } catch (error) {
      this.logger.warn(`could not take the poller lock: ${(error as Error).message}`);
    }
    await runner.release();
    return false;
  }

  private async syncOnce(sourceName: string): Promise<SyncOutcome> {
    const repository = this.dataSource.getRepository(SourceEntity);
    const source = await repository.findOneBy({ name: sourceName });
    if (!source) return { status: 'failed', error: `source "${sourceName}" not found` };
    try {
      const commit = await this.mirror.fetch(source.id, { url: source.url, auth: this.sources.gitAuth(source) }, source.ref);
      if (source.requireSignedCommits) await this.mirror.verifyCommit(source.id, commit.sha, source.signingKeys ?? '');
      const tree = await this.mirror.checkout(source.id, commit.sha);
      const rendered = await this.pipeline.renderCommit(source, commit, tree);
      await repository.update({ id: source.id }, { lastCommitSha: commit.sha, lastFetchedAt: new Date(), lastError: rendered.error });
      return rendered.error ? { status: 'failed', error: rendered.error } : { status: rendered.created ? 'synced' : 'unchanged', commit };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.warn(`source ${sourceName}: ${message}`);
      await repository.update({ id: source.id }, { lastFetchedAt: new Date(), lastError: message });
      return { status: 'failed', error: message };
    }
  }
}
