import { Args, Query, Resolver } from '@nestjs/graphql';
import { Access } from '../auth/access.decorator';
import { ObjectChangeDto, RenderPreviewArgs, RenderPreviewDto, RevisionDiffArgs } from './revision-preview.dto';
import { RevisionsService } from './revisions.service';

@Resolver()
export class RevisionsResolver {
  constructor(private readonly revisionsService: RevisionsService) {}

  @Query(() => RenderPreviewDto, { description: 'What a cluster would receive from an application at a ref, rendered now and recorded nowhere', complexity: 50 })
  @Access.cluster('cluster')
  renderPreview(@Args() { application, cluster, ref }: RenderPreviewArgs) {
    return this.revisionsService.preview(application, cluster, ref);
  }

  @Query(() => [ObjectChangeDto], { description: 'Per-object unified diff of what a cluster runs at two revisions', complexity: 20 })
  @Access.cluster('cluster')
  revisionDiff(@Args() { application, cluster, from, to }: RevisionDiffArgs) {
    return this.revisionsService.diff(application, cluster, from, to);
  }
}
