import { EventEmitter } from 'node:events';
import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { announcementBatches, type Database, parseAnnouncementBatch } from '@capstan/persistence';
import { DATABASE } from '../database/database.module';

const desiredStateChannel = 'capstan_desired_state';

/** Clusters whose desired state changed, or `all` when some announcements may have been missed. */
export type ChangedClusters = readonly string[] | 'all';

/**
 * Announces two things: that clusters' desired state changed, so whichever hub process holds
 * their agents' sessions pushes it at once (through PostgreSQL LISTEN/NOTIFY, so with several
 * replicas the one holding the stream hears it); and, in this process, that placement may have
 * changed (a cluster joined or left a group, a group or an application's targets changed), so the
 * revisions in force are rendered again for the clusters they now reach.
 */
@Injectable()
export class DesiredStateEvents implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DesiredStateEvents.name);
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private stopListening: (() => void) | null = null;

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleInit(): Promise<void> {
    this.stopListening = await this.database.announcements.listen(desiredStateChannel, (payload) => {
      if (payload === null) return void this.emitter.emit('changed', 'all');
      const clusters = parseAnnouncementBatch(payload);
      if (clusters) this.emitter.emit('changed', clusters);
      else this.logger.warn(`ignored a malformed desired-state announcement: ${payload.slice(0, 200)}`);
    });
  }

  onApplicationShutdown(): void {
    this.stopListening?.();
  }

  changed(clusters: readonly string[]): void {
    for (const payload of announcementBatches(clusters)) {
      this.database.announcements.announce(desiredStateChannel, payload).catch((error: Error) => this.logger.warn(`could not announce a desired-state change: ${error.message}`));
    }
  }

  onChanged(listener: (clusters: ChangedClusters) => void): () => void {
    this.emitter.on('changed', listener);
    return () => this.emitter.off('changed', listener);
  }

  placementChanged(): void {
    this.emitter.emit('placement');
  }

  onPlacementChanged(listener: () => void): () => void {
    this.emitter.on('placement', listener);
    return () => this.emitter.off('placement', listener);
  }
}

/** Desired-state announcements, available to every module that changes what clusters should run. */
@Global()
@Module({ providers: [DesiredStateEvents], exports: [DesiredStateEvents] })
export class DesiredStateEventsModule {}
