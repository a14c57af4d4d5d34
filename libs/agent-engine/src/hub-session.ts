import { create } from '@bufbuild/protobuf';
import { backoffDelayMs } from '@capstan/kube';
import { AgentMessageSchema, type HubMessage, SequencedChannel } from '@capstan/proto';
import { type ServiceError, status } from '@grpc/grpc-js';
import type { HubClient } from './hub-client';
import { type AgentMessageBody, mustArrive } from './reporter';

export interface HubSessionOptions {
  heartbeatIntervalMs: number;
  reconnectInitialMs: number;
  reconnectMaxMs: number;
}

export interface HubSessionHandlers {
  /** What the Hello says besides the channel's position: asked before the stream opens. */
  hello(): Promise<{ agentVersion: string; kubernetesVersion: string; heldDigests: string[] }>;
  /** A new session is open and its Hello sent. */
  opened(): void;
  /** A hub message seen for the first time; `acknowledge` once it is handled. */
  message(message: HubMessage, acknowledge: () => void): void;
  /** The hub refused the cluster's credential; the next try is in `retryInMs`. */
  credentialRefused(details: string, retryInMs: number): void;
}

/** Whether the hub refused the cluster's credential (gRPC UNAUTHENTICATED). */
export function isCredentialRefused(error: unknown): error is ServiceError {
  return (error as Partial<ServiceError> | null)?.code === status.UNAUTHENTICATED;
}

/**
 * The agent's session with the hub, kept across reconnects: opens the Connect stream, says Hello,
 * resends what the hub did not acknowledge, beats, and reconnects with exponential backoff and
 * jitter when the stream ends; a refused credential waits the longest interval.
 */
export class HubSession {
  readonly channel = new SequencedChannel<AgentMessageBody>({ mustArrive, capacity: 1_000 });
  private stream: ReturnType<HubClient['connect']> | null = null;
  private hubAnswered = false;
  private attempts = 0;
  private closed = false;
  private heartbeat: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly hub: HubClient,
    private readonly credential: () => string,
    private readonly options: HubSessionOptions,
    private readonly handlers: HubSessionHandlers,
  ) {}

  /** Whether a session is open and the hub has answered on it. */
  get connected(): boolean {
    return this.stream !== null && this.hubAnswered;
  }

  async open(): Promise<void> {
    // Asked first: from opening the stream to its Hello nothing may wait, or a message sent meanwhile would overtake the resent ones.
    const hello = await this.handlers.hello();
    if (this.closed) return;
    const stream = this.hub.connect(this.credential());
    this.stream = stream;
    stream.on('data', (message: HubMessage) => {
      this.attempts = 0;
      this.hubAnswered = true;
      this.receive(message);
    });
    stream.on('error', (error: ServiceError) => {
      if (!isCredentialRefused(error)) return this.reconnectLater();
      this.reconnectLater(this.options.reconnectMaxMs);
      this.handlers.credentialRefused(error.details, this.options.reconnectMaxMs);
    });
    stream.on('end', () => this.reconnectLater());
    // What the hub did not acknowledge goes first, in order, so it is not taken for a duplicate of what follows.
    for (const message of this.channel.unacknowledged()) stream.write(create(AgentMessageSchema, message));
    this.send({ case: 'hello', value: { ...hello, lastAckedSequence: this.channel.lastHandled.sequence, lastAckedIncarnation: this.channel.lastHandled.incarnation } });
    this.handlers.opened();
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.send({ case: 'heartbeat', value: {} }), this.options.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Numbers a message and sends it when a session is open; what must arrive is kept until acknowledged either way. */
  send(body: AgentMessageBody): void {
    const message = this.channel.stamp(body);
    this.stream?.write(create(AgentMessageSchema, message));
  }

  close(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stream?.cancel();
    this.stream = null;
  }

  /** Handles each hub message once (a resent duplicate only gets its acknowledgement again). */
  private receive(message: HubMessage): void {
    if (message.body.case === 'ack') return this.channel.acknowledge(message.body.value.sequence);
    const acknowledge = () => this.send({ case: 'ack', value: { sequence: message.sequence } });
    if (!this.channel.isNew(message)) return acknowledge();
    this.channel.handled(message);
    this.handlers.message(message, acknowledge);
  }

  /** Exponential backoff with full jitter, so a fleet does not reconnect in step after a hub restart; `delayMs` when told. */
  private reconnectLater(delayMs?: number): void {
    if (this.closed) return;
    if (this.reconnectTimer) {
      if (delayMs === undefined) return;
      clearTimeout(this.reconnectTimer);
    }
    this.stream = null;
    this.hubAnswered = false;
    const wait = delayMs ?? backoffDelayMs(this.attempts++, { initialMs: this.options.reconnectInitialMs, maxMs: this.options.reconnectMaxMs });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.open().catch(() => this.reconnectLater());
    }, wait);
  }
}
