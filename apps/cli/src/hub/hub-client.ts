import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError } from '../cli-error';
import type { HubTarget } from '../config/hub-target';
import { cliErrorOfGraphqlErrors, cliErrorOfHttpStatus, cliErrorOfSocketClose, cliErrorOfTransportFailure, type GraphqlError } from './hub-errors';

export interface HubClientOptions {
  /** How long a request, or opening a subscription, may take. Default 30 s. */
  timeoutMs?: number;
}

/** How a subscription ended: the hub completed it, the listener had seen enough, or the caller's signal fired. */
export type SubscriptionEnd = 'completed' | 'stopped' | 'interrupted';

interface GraphqlResponse<T> {
  data?: T | null;
  errors?: GraphqlError[];
}

/** The hub's GraphQL API over HTTP (queries, mutations) and graphql-ws (subscriptions); every failure is a CliError. */
export class HubClient {
  private readonly timeoutMs: number;

  constructor(
    private readonly target: Pick<HubTarget, 'hub' | 'token'>,
    options: HubClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get hub(): string {
    return this.target.hub;
  }

  /** The data of a query or mutation; throws the CLI error for a refusal or a failure to reach the hub. */
  async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.hub}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.target.token}` },
        body: JSON.stringify({ query, variables }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw cliErrorOfTransportFailure(error, this.hub, this.timeoutMs);
    }
    const body = await this.readBody<T>(response);
    if (body.errors?.length) throw cliErrorOfGraphqlErrors(body.errors, this.hub);
    if (body.data === undefined || body.data === null) throw cliErrorOfHttpStatus(response.status, this.hub);
    return body.data;
  }

  /**
   * Follows a subscription, calling `next` with each result's data until `next` returns true
   * ('stopped'), the hub completes it, or `signal` fires; an error the hub sends rejects.
   */
  subscribe<T>(query: string, variables: Record<string, unknown>, next: (data: T) => boolean | void, signal: AbortSignal): Promise<SubscriptionEnd> {
    const { hub, token } = this.target;
    const timeoutMs = this.timeoutMs;
    // graphql-ws opens the socket itself; this is how the opening handshake gets a timeout.
    class TimedWebSocket extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols, { handshakeTimeout: timeoutMs });
      }
    }
    const client = createClient({
      url: `${hub.replace(/^http/, 'ws')}/graphql`,
      webSocketImpl: TimedWebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      connectionAckWaitTimeout: timeoutMs,
      retryAttempts: 0,
      lazy: true,
    });
    return new Promise<SubscriptionEnd>((resolve, reject) => {
      let settled = false;
      let unsubscribe: () => void = () => undefined;
      const finish = (outcome: SubscriptionEnd | CliError) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', interrupted);
        unsubscribe();
        void client.dispose();
        if (outcome instanceof CliError) reject(outcome);
        else resolve(outcome);
      };
      const interrupted = () => finish('interrupted');
      if (signal.aborted) return finish('interrupted');
      signal.addEventListener('abort', interrupted, { once: true });
      unsubscribe = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => {
            if (settled) return;
            if (result.errors?.length) return finish(cliErrorOfGraphqlErrors(result.errors as GraphqlError[], hub));
            try {
              if (result.data && next(result.data as T) === true) finish('stopped');
            } catch (error) {
              finish(error instanceof CliError ? error : cliErrorOfTransportFailure(error, hub, timeoutMs));
            }
          },
          error: (error: unknown) => finish(subscriptionError(error, hub, timeoutMs)),
          complete: () => finish('completed'),
        },
      );
    });
  }

  private async readBody<T>(response: Response): Promise<GraphqlResponse<T>> {
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw cliErrorOfTransportFailure(error, this.hub, this.timeoutMs);
    }
    try {
      const parsed = JSON.parse(text) as GraphqlResponse<T>;
      if (typeof parsed === 'object' && parsed !== null) return parsed;
    } catch {
      // Not JSON: a proxy's error page, or not a hub at all.
    }
    throw cliErrorOfHttpStatus(response.status, this.hub);
  }
}

/** What graphql-ws reports to a sink's `error`: GraphQL errors, a CloseEvent, or the socket's error event. */
function subscriptionError(error: unknown, hub: string, timeoutMs: number): CliError {
  if (Array.isArray(error)) return cliErrorOfGraphqlErrors(error as GraphqlError[], hub);
  if (typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number') return cliErrorOfSocketClose(error as { code: number; reason?: string }, hub);
  const inner = typeof error === 'object' && error !== null && 'error' in error ? (error as { error: unknown }).error : error;
  return cliErrorOfTransportFailure(inner, hub, timeoutMs);
}
