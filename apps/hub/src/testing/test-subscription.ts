import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';

/** What a subscription received: each result as graphql-ws delivered it, and whether it ended. */
export interface TestSubscription<T> {
  readonly results: Array<{ data?: T | null; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> }>;
  readonly ended: boolean;
  /** Waits until a result satisfies `accept`, and returns it. */
  until(accept: (result: TestSubscription<T>['results'][number]) => boolean, timeoutMs?: number): Promise<TestSubscription<T>['results'][number]>;
  close(): Promise<void>;
}

/** Subscribes over graphql-ws at the hub's `/graphql`, with `token` in the connection parameters. */
export function subscribeGraphql<T>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): TestSubscription<T> {
  const client: Client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: WebSocket, connectionParams: token ? { authorization: `Bearer ${token}` } : {}, retryAttempts: 0, lazy: true });
  const subscription = {
    results: [] as TestSubscription<T>['results'],
    ended: false,
    async until(accept: (result: TestSubscription<T>['results'][number]) => boolean, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = subscription.results.find(accept);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no such result within ${timeoutMs} ms; received ${JSON.stringify(subscription.results).slice(-2_000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      stop();
      await client.dispose();
    },
  };
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => subscription.results.push(result as TestSubscription<T>['results'][number]),
      error: (error) => {
        subscription.results.push({ errors: Array.isArray(error) ? error : [{ message: error instanceof Error ? error.message : String(error) }] });
        subscription.ended = true;
      },
      complete: () => {
        subscription.ended = true;
      },
    },
  );
  return subscription;
}
