import { Injectable } from '@nestjs/common';
import { diffBundles, type ObjectChange } from '@capstan/diff';
import { type JsonObject, toKustomizeYaml } from '@capstan/manifest';
import { ApplicationEntity, ClusterEntity, RenderedBundleEntity, RevisionEntity } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import { CapstanException } from '../common/capstan.exception';
import { ApplicationRenderer } from '../rendering/application-renderer';
import { GitMirror } from '../sources/git/git-mirror';
import { SourcesService } from '../sources/sources.service';
import type { RenderPreviewDto } from './revision-preview.dto';

/** Looks into revisions: what a cluster would get at any ref, and what changed between two revisions. */
@Injectable()
export class RevisionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly sources: SourcesService,
    private readonly mirror: GitMirror,
    private readonly renderer: ApplicationRenderer,
  ) {}

  /** Renders the application for one cluster at `ref` (default: the source's ref) without recording anything. */
  async preview(applicationName: string, clusterName: string, ref: string | undefined): Promise<RenderPreviewDto> {
    const application = await this.application(applicationName);
    const cluster = await this.cluster(clusterName);
    const source = await this.sources.get(application.source?.name ?? '');
    const remote = this.sources.remote(source);
    const commit = await this.mirror.fetch(source.id, remote, ref ?? source.ref).catch((error: Error) => {
      throw CapstanException.invalid('ref', error.message);
    });
    const tree = await this.mirror.checkout(source.id, remote, commit.sha);
    const bundle = await this.renderer.renderCluster(application, source, tree, cluster).catch((error: unknown) => {
      if (error instanceof CapstanException) throw error;
      throw CapstanException.invalid('application', `rendering ${application.name} at ${commit.sha.slice(0, 12)} failed: ${(error as Error).message}`);
    });
    return { commitSha: commit.sha, digest: bundle.digest, objectCount: bundle.objects.length, yaml: toKustomizeYaml(bundle.objects) };
  }

  /** Per-object unified diffs of what `cluster` runs at revision `from` and at `to`. */
  async diff(applicationName: string, clusterName: string, from: string, to: string): Promise<ObjectChange[]> {
    const application = await this.application(applicationName);
    await this.cluster(clusterName);
    // One after the other, so a bad `from` is the error reported even when `to` is bad too.
    const before = await this.bundleAt(application, clusterName, from, 'from');
    const after = await this.bundleAt(application, clusterName, to, 'to');
    return diffBundles(before, after);
  }

  private async bundleAt(application: ApplicationEntity, clusterName: string, commitPrefix: string, field: string): Promise<JsonObject[]> {
    if (!/^[0-9a-f]{7,64}$/.test(commitPrefix)) throw CapstanException.invalid(field, 'must be a commit sha or a prefix of at least 7 hex characters');
    const revisions = await this.dataSource
      .getRepository(RevisionEntity)
      .createQueryBuilder('revision')
      .where('revision.application_id = :id AND revision.commit_sha LIKE :prefix', { id: application.id, prefix: `${commitPrefix}%` })
      .getMany();
    if (revisions.length !== 1) {
      throw CapstanException.invalid(field, revisions.length === 0 ? `application ${application.name} has no revision at ${commitPrefix}` : `${commitPrefix} names several revisions`);
    }
    const [revision] = revisions;
    if (revision.status !== 'rendered') throw CapstanException.invalid(field, `the revision at ${revision.commitSha} failed to render: ${revision.error}`);
    const digest = revision.clusterDigests[clusterName];
    if (!digest) return [];
    const bundle = await this.dataSource.getRepository(RenderedBundleEntity).findOneByOrFail({ digest });
    return bundle.objects as JsonObject[];
  }

  private async application(name: string): Promise<ApplicationEntity> {
    const application = await this.dataSource.getRepository(ApplicationEntity).findOne({ where: { name }, relations: { source: true, targets: { group: true } } });
    if (!application) throw CapstanException.notFound('application', name);
    return application;
  }

  private async cluster(name: string): Promise<ClusterEntity> {
    const cluster = await this.dataSource.getRepository(ClusterEntity).findOneBy({ name });
    if (!cluster) throw CapstanException.notFound('cluster', name);
    return cluster;
  }
}
