import { EventEmitter } from 'node:events';
import { Global, Injectable, Module } from '@nestjs/common';

/**
 * Announces that clusters' desired state changed (a new revision rendered), so the sessions of
 * their agents push it at once. In-process: with several hub replicas this becomes
 * PostgreSQL LISTEN/NOTIFY.
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
}

/** Desired-state announcements, available to every module that changes what clusters should run. */
@Global()
@Module({ providers: [DesiredStateEvents], exports: [DesiredStateEvents] })
export class DesiredStateEventsModule {}
