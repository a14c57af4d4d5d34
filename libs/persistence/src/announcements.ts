import { EventEmitter } from 'node:events';
import { Client, escapeIdentifier } from 'pg';
import type { DataSource } from 'typeorm';

/**
 * Called with each payload announced on a channel, or with `null` after the connection that
 * listens was lost and made again: announcements made meanwhile may have been missed.
 */
export type AnnouncementListener = (payload: string | null) => void;

/** Short messages between the hub processes sharing one database. */
export interface Announcements {
  /** Announces `payload` (at most 7,900 bytes) on `channel` to every hub process, this one included. */
  announce(channel: string, payload: string): Promise<void>;
  /** Calls `listener` with what is announced on `channel` from now on; returns how to stop. */
  listen(channel: string, listener: AnnouncementListener): Promise<() => void>;
  close(): Promise<void>;
}

/** PostgreSQL's limit on a NOTIFY payload is 8,000 bytes; leave room for the channel's bookkeeping. */
export const maxAnnouncementBytes = 7_900;

/** Strings as JSON arrays that each fit one announcement, in their order. */
export function announcementBatches(items: readonly string[]): string[] {
  const payloads: string[] = [];
  let batch: string[] = [];
  let bytes = 2;
  for (const item of items) {
    const size = Buffer.byteLength(JSON.stringify(item)) + 1;
    if (batch.length && bytes + size > maxAnnouncementBytes) {
      payloads.push(JSON.stringify(batch));
      batch = [];
      bytes = 2;
    }
    batch.push(item);
    bytes += size;
  }
  if (batch.length) payloads.push(JSON.stringify(batch));
  return payloads;
}

/** The strings of an announcement made by `announcementBatches`; null for anything else (anyone who may use the database can NOTIFY). */
export function parseAnnouncementBatch(payload: string): string[] | null {
  try {
    const items: unknown = JSON.parse(payload);
    return Array.isArray(items) && items.every((item) => typeof item === 'string') ? items : null;
  } catch {
    return null;
  }
}

function checkSize(payload: string): void {
  if (Buffer.byteLength(payload) > maxAnnouncementBytes) throw new Error(`an announcement may hold at most ${maxAnnouncementBytes} bytes, not ${Buffer.byteLength(payload)}`);
}

/** One process, one database (the embedded one): announcements stay in the process. */
export function inProcessAnnouncements(): Announcements {
  const emitter = new EventEmitter().setMaxListeners(0);
  return {
    async announce(channel, payload) {
      checkSize(payload);
      emitter.emit(channel, payload);
    },
    async listen(channel, listener) {
      emitter.on(channel, listener);
      return () => emitter.off(channel, listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

/**
 * PostgreSQL LISTEN/NOTIFY: announced through the pool, heard on one connection of its own that
 * is made again (after a pause that grows to 5 s) whenever it is lost.
 */
export function postgresAnnouncements(databaseUrl: string, dataSource: DataSource): Announcements {
  const listeners = new Map<string, Set<AnnouncementListener>>();
  let client: Client | null = null;
  let connecting: Promise<Client> | null = null;
  let closed = false;
  let retryMs = 100;

  const notifyAll = (channel: string, payload: string | null) => {
    for (const listener of listeners.get(channel) ?? []) listener(payload);
  };
  const connect = (): Promise<Client> => {
    connecting ??= (async () => {
      const fresh = new Client({ connectionString: databaseUrl });
      fresh.on('notification', (message) => notifyAll(message.channel, message.payload ?? ''));
      fresh.on('error', () => undefined);
      fresh.on('end', () => {
        if (client === fresh) client = null;
        if (!closed) setTimeout(reconnect, retryMs).unref();
      });
      await fresh.connect();
      for (const channel of listeners.keys()) await fresh.query(`LISTEN ${escapeIdentifier(channel)}`);
      client = fresh;
      retryMs = 100;
      return fresh;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };
  const reconnect = () => {
    if (closed || client || connecting) return;
    connect().then(
      () => {
        for (const channel of listeners.keys()) notifyAll(channel, null);
      },
      () => {
        retryMs = Math.min(retryMs * 2, 5_000);
        setTimeout(reconnect, retryMs).unref();
      },
    );
  };

  return {
    async announce(channel, payload) {
      checkSize(payload);
      await dataSource.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async listen(channel, listener) {
      const known = listeners.has(channel);
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      const listening = client ?? (await connect());
      // A connection made just now may already listen: LISTEN twice is harmless.
      if (!known) await listening.query(`LISTEN ${escapeIdentifier(channel)}`);
      return () => set.delete(listener);
    },
    async close() {
      closed = true;
      listeners.clear();
      await client?.end().catch(() => undefined);
      client = null;
    },
  };
}
