import { EventEmitter } from 'node:events';
import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Announces two things in-process (with several hub replicas this becomes PostgreSQL
 * LISTEN/NOTIFY): that clusters' desired state changed, so the sessions of their agents push it
 * at once; and that placement may have changed (a cluster joined or left a group, a group or an
 * application's targets changed), so the revisions in force are rendered again for the clusters
 * they now reach.
 */
@Injectable()
export class DesiredStateEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  changed(clusters: readonly string[]): void {
    if (clusters.length) this.emitter.emit('changed', clusters);
  }

  onChanged(listener: (clusters: readonly string[]) => void): () => void {
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
