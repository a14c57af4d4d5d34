import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/**
 * Tells this replica's listeners (rollouts) which applications agents' statuses were just written
 * for: the statuses of one turn of the event loop are told together, each application once.
 */
@Injectable()
export class StatusEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly pending = new Set<string>();

  statusWritten(application: string): void {
    if (this.pending.size === 0) {
      setImmediate(() => {
        const applications = [...this.pending];
        this.pending.clear();
        this.emitter.emit('written', applications);
      });
    }
    this.pending.add(application);
  }

  onStatusWritten(listener: (applications: readonly string[]) => void): () => void {
    this.emitter.on('written', listener);
    return () => this.emitter.off('written', listener);
  }
}
