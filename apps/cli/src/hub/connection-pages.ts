import type { HubClient } from './hub-client';

/** A Relay connection as the hub returns its lists. */
export interface Connection<T> {
  edges: Array<{ node: T }>;
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** The selection every paged query ends with; `nodeFields` is what to read of each node. */
export const connectionFields = (nodeFields: string) => `edges { node { ${nodeFields} } } pageInfo { hasNextPage endCursor }`;

const defaultPageSize = 100;

/**
 * The nodes of a list, page after page, all of them or the first `limit`: `query` declares
 * `$first: Int` and `$after: String`, and `pick` finds the connection in its data.
 */
export async function collectNodes<D, T>(client: HubClient, query: string, variables: Record<string, unknown>, pick: (data: D) => Connection<T>, limit = Infinity, pageSize = defaultPageSize): Promise<T[]> {
  const nodes: T[] = [];
  let after: string | null = null;
  while (nodes.length < limit) {
    const page: Connection<T> = pick(await client.request<D>(query, { ...variables, first: Math.min(pageSize, limit - nodes.length), after }));
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage || !page.pageInfo.endCursor) break;
    after = page.pageInfo.endCursor;
  }
  return nodes;
}
