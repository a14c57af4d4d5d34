import { Controller, HttpCode, Logger, Param, Post, type RawBodyRequest, Req, UnauthorizedException } from '@nestjs/common';
import { dns1123LabelError } from '@capstan/manifest';
import type { SourceEntity } from '@capstan/persistence';
import type { Request } from 'express';
import { CapstanErrorCode, CapstanException } from '../common/capstan.exception';
import { pushConcernsRef, readPushWebhook, type WebhookVerdict } from './git/push-webhook';
import { SourceSyncService } from './source-sync.service';
import { SourcesService } from './sources.service';

/**
 * What every refused webhook is told, whatever the reason, an unknown source included: the
 * answer must not tell which source names exist. The reason is logged.
 */
export const webhookRefusal = 'the webhook is not signed with the webhook secret of the source';

const refused = (reason: string): WebhookVerdict => ({ kind: 'refused', reason });

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
    const source = await this.findSource(sourceName);
    const secret = source ? this.sources.webhookSecret(source) : null;
    const verdict = !source ? refused('there is no such source') : secret === null ? refused('the source has no webhook secret') : readPushWebhook(request.headers, request.rawBody ?? Buffer.alloc(0), secret);
    if (verdict.kind === 'refused' || !source) {
      // JSON.stringify: the name comes from the URL and may hold anything.
      this.logger.log(`refused a webhook for source ${JSON.stringify(sourceName)} from ${request.ip}: ${verdict.kind === 'refused' ? verdict.reason : 'there is no such source'}`);
      throw new UnauthorizedException(webhookRefusal);
    }
    if (verdict.kind === 'ignored') return { status: 'ignored', reason: verdict.reason };
    if (!pushConcernsRef(verdict.push, source.ref)) return { status: 'ignored', reason: `push to ${verdict.push.ref}, the source follows ${source.ref}` };
    void this.sync.sync(source.name);
    return { status: 'accepted' };
  }

  /** The source of that name; null for a name no source can have (which never reaches the database) or none has. */
  private async findSource(name: string): Promise<SourceEntity | null> {
    if (dns1123LabelError(name) !== null) return null;
    return this.sources.get(name).catch((error: unknown) => {
      if (error instanceof CapstanException && error.code === CapstanErrorCode.NotFound) return null;
      throw error;
    });
  }
}
