import { EventEmitter } from 'node:events';
import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { announcementBatches, type Database, parseAnnouncementBatch } from '@capstan/persistence';
import { PubSub } from 'graphql-subscriptions';
import { DATABASE } from '../database/database.module';

/** What GraphQL subscriptions follow: a rollout's record, an agent's status of an application, a drift, a cluster's compliance with a policy. */
export type LiveKind = 'rollout' | 'status' | 'drift' | 'compliance';
const liveKinds: readonly LiveKind[] = ['rollout', 'status', 'drift', 'compliance'];

/** Reads what changed, by the keys announced; what no longer exists is left out. */
export type LiveLoader<Entity> = (keys: readonly string[]) => Promise<Entity[]>;

const channelOf = (kind: LiveKind) => `capstan_live_${kind}`;

/**
 * Tells every hub replica's subscribers what changed in the fleet. Writers announce keys after
 * their transaction commits (through PostgreSQL LISTEN/NOTIFY, so a subscriber on another replica
 * hears of a status its agent's replica wrote); the keys of one turn of the event loop travel
 * together. A replica with subscribers of a kind reads the changed rows once, with the loader the
 * kind's module registered, and hands them to each subscriber, which filters by its own scope.
 */
@Injectable()
export class LiveChanges implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(LiveChanges.name);
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly pubSub = new PubSub({ eventEmitter: this.emitter });
  private readonly loaders = new Map<LiveKind, LiveLoader<unknown>>();
  private readonly pending = new Map<LiveKind, Set<string>>();
  private readonly stops: Array<() => void> = [];

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onModuleInit(): Promise<void> {
    for (const kind of liveKinds) {
      this.stops.push(
        await this.database.announcements.listen(channelOf(kind), (payload) => {
          // Announcements missed while the listening connection was lost are not replayed: subscribers see the next change.
          if (payload === null) return;
          const keys = parseAnnouncementBatch(payload);
          if (keys) void this.deliver(kind, keys);
          else this.logger.warn(`ignored a malformed ${kind} announcement: ${payload.slice(0, 200)}`);
        }),
      );
    }
  }

  onApplicationShutdown(): void {
    for (const stop of this.stops) stop();
  }

  /** How the changed rows of `kind` are read; one loader per kind. */
  register<Entity>(kind: LiveKind, loader: LiveLoader<Entity>): void {
    this.loaders.set(kind, loader as LiveLoader<unknown>);
  }

  /** Something of `kind` with this key changed and is committed. */
  changed(kind: LiveKind, key: string): void {
    let keys = this.pending.get(kind);
    if (!keys) {
      keys = new Set();
      this.pending.set(kind, keys);
      setImmediate(() => this.announce(kind));
    }
    keys.add(key);
  }

  /** The changed rows of `kind` from now on, until the iterator is returned. */
  follow<Entity>(kind: LiveKind): AsyncIterableIterator<Entity> {
    return this.pubSub.asyncIterableIterator<Entity>(kind);
  }

  private announce(kind: LiveKind): void {
    const keys = [...(this.pending.get(kind) ?? [])];
    this.pending.delete(kind);
    for (const payload of announcementBatches(keys)) {
      this.database.announcements.announce(channelOf(kind), payload).catch((error: Error) => this.logger.warn(`could not announce a ${kind} change: ${error.message}`));
    }
  }

  private async deliver(kind: LiveKind, keys: readonly string[]): Promise<void> {
    const loader = this.loaders.get(kind);
    if (!loader || this.emitter.listenerCount(kind) === 0) return;
    try {
      for (const entity of await loader(keys)) await this.pubSub.publish(kind, entity);
    } catch (error) {
      this.logger.warn(`could not read the ${kind} changes for subscribers: ${(error as Error).message}`);
    }
  }
}

/** The live change feed, for every module whose changes subscriptions follow. */
@Global()
@Module({ providers: [LiveChanges], exports: [LiveChanges] })
export class LiveChangesModule {}
