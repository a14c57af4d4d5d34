import { Controller, HttpCode, Logger, NotFoundException, Param, Post, type RawBodyRequest, Req, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { pushConcernsRef, readPushWebhook } from './git/push-webhook';
import { SourceSyncService } from './source-sync.service';
import { SourcesService } from './sources.service';

/** `POST /hooks/git/{source}`: a git host announces a push; a matching one makes the source sync at once. */
@Controller('hooks/git')
export class WebhookController {
  private readonly logger = new Logger(WebhookController.name);

  constructor(
    private readonly sources: SourcesService,
    private readonly sync: SourceSyncService,
  ) {}

  @Post(':source')
  @HttpCode(202)
  async push(@Param('source') sourceName: string, @Req() request: RawBodyRequest<Request>) {
    const source = await this.sources.get(sourceName).catch(() => {
      throw new NotFoundException(`source "${sourceName}" not found`);
    });
    const secret = this.sources.webhookSecret(source);
    const verdict = secret === null ? { kind: 'refused' as const, reason: 'the source has no webhook secret' } : readPushWebhook(request.headers, request.rawBody ?? Buffer.alloc(0), secret);
    if (verdict.kind === 'refused') {
      this.logger.warn(`refused a webhook for source ${sourceName} from ${request.ip}: ${verdict.reason}`);
      throw new UnauthorizedException(verdict.reason);
    }
    if (verdict.kind === 'ignored') return { status: 'ignored', reason: verdict.reason };
    if (!pushConcernsRef(verdict.push, source.ref)) return { status: 'ignored', reason: `push to ${verdict.push.ref}, the source follows ${source.ref}` };
    void this.sync.sync(sourceName);
    return { status: 'accepted' };
  }
}
