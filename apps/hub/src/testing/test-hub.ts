import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DatabaseKind, provisionTestDatabase } from '@capstan/persistence';
import type { HubConfig } from '../config/hub-config';
import { type Hub, startHub } from '../hub';

export interface GraphqlResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: string[]; extensions?: { code?: string; fields?: Array<{ field: string; message: string }> } }>;
}

/** Sends a GraphQL request to the hub at `url`, with a bearer token unless `token` is null. */
export async function postGraphql<T = Record<string, unknown>>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<GraphqlResponse<T>> {
  const response = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphqlResponse<T>;
}

/** The data of a GraphQL request that must succeed; throws with the errors otherwise. */
export async function graphqlData<T = Record<string, unknown>>(url: string, token: string | null, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const response = await postGraphql<T>(url, token, query, variables);
  if (response.errors) throw new Error(JSON.stringify(response.errors));
  return response.data as T;
}

/** A hub as tests reach it: its HTTP URL, an admin token and its gRPC port. */
export interface HubEndpoints {
  url: string;
  adminToken: string;
  grpcPort: number;
}

/** A hub started in this process on a throwaway database, spoken to over real HTTP. */
export interface TestHub {
  readonly hub: Hub;
  readonly adminToken: string;
  readonly endpoints: HubEndpoints;
  graphql<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<GraphqlResponse<T>>;
  /** As the admin: the data of a request that must succeed. */
  data<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): Promise<T>;
  close(): Promise<void>;
}

/** Starts a hub on a fresh database of `kind` with a known admin token; `settings` change the defaults (plain-text gRPC, silent log). */
export async function startTestHub(kind: DatabaseKind, settings: Partial<HubConfig> = {}): Promise<TestHub> {
  const database = await provisionTestDatabase(kind);
  const adminToken = `capstan_${randomBytes(24).toString('base64url')}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-state-'));
  const hub = await startHub({ host: '127.0.0.1', port: 0, grpcPort: 0, grpcInsecure: true, stateDir, dataDir: null, databaseUrl: database.databaseUrl, adminToken, logLevel: 'silent', ...settings });
  return {
    hub,
    adminToken,
    endpoints: { url: hub.url, adminToken, grpcPort: hub.grpcPort },
    graphql<T>(query: string, variables: Record<string, unknown> = {}, token: string | null = adminToken) {
      return postGraphql<T>(hub.url, token, query, variables);
    },
    data<T>(query: string, variables: Record<string, unknown> = {}) {
      return graphqlData<T>(hub.url, adminToken, query, variables);
    },
    async close() {
      await hub.close();
      await database.dispose();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
