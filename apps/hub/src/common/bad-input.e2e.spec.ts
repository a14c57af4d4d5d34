import { testDatabaseKinds } from '@capstan/persistence';
import { type GraphqlResponse, startTestHub, type TestHub } from '../testing/test-hub';

type Fields = Array<{ field: string; message: string }>;
type Answer = { status: number; body: GraphqlResponse };

/** Bad input of every kind is the caller's error: INVALID_ARGUMENT naming the field, never INTERNAL or HTTP 500. */
describe.each(testDatabaseKinds())('bad input on %s', (kind) => {
  let hub: TestHub;

  const post = async (query: string, variables?: Record<string, unknown>): Promise<Answer> => {
    const response = await fetch(`${hub.hub.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.adminToken}` },
      body: JSON.stringify({ query, variables }),
    });
    return { status: response.status, body: (await response.json()) as GraphqlResponse };
  };
  const refusal = (answer: Answer) => ({ code: answer.body.errors?.[0]?.extensions?.code, fields: (answer.body.errors?.[0]?.extensions?.fields as Fields | undefined)?.map((field) => field.field) });

  beforeAll(async () => {
    hub = await startTestHub(kind);
    await hub.data(`mutation { createCluster(input: { name: "eu-1", labels: { env: "prod" } }) { name } }`);
    await hub.data(`mutation { createCluster(input: { name: "eu-2", labels: { env: "prod" } }) { name } }`);
  });
  afterAll(() => hub.close());

  describe('a NUL character, which PostgreSQL cannot store', () => {
    it.each([
      ['a string argument', `query($name: String!) { cluster(name: $name) { name } }`, { name: 'eu\u0000-1' }, ['name']],
      ['a field of an input', `mutation($input: CreateClusterGroupInput!) { createClusterGroup(input: $input) { name } }`, { input: { name: 'g', description: 'nul\u0000here' } }, ['input.description']],
      ['a label value', `mutation($labels: StringMap) { createCluster(input: { name: "x", labels: $labels }) { name } }`, { labels: { env: 'pr\u0000od' } }, ['input.labels.env']],
      ['a label key', `mutation($labels: StringMap!) { updateClusterLabels(input: { name: "eu-1", labels: $labels }) { name } }`, { labels: { 'e\u0000nv': 'prod' } }, ['input.labels']],
      ['an item of a list', `mutation($input: UpdateClusterGroupInput!) { updateClusterGroup(input: $input) { name } }`, { input: { name: 'g', members: ['eu-1', 'e\u0000'] } }, ['input.members[1]']],
      ['an argument of a list query', `query($selector: String) { clusters(selector: $selector) { edges { cursor } } }`, { selector: 'env=\u0000' }, ['selector']],
      ['an audit filter', `query($actor: String) { auditLog(actor: $actor) { edges { cursor } } }`, { actor: 'token/\u0000' }, ['actor']],
    ])('in %s is INVALID_ARGUMENT naming it', async (_where, query, variables, fields) => {
      const answer = await post(query, variables);
      expect(refusal(answer)).toEqual({ code: 'INVALID_ARGUMENT', fields });
      expect(answer.body.errors?.[0]?.message).toContain('NUL');
    });

    it('in a literal of the query document as well', async () => {
      const answer = await post(`{ cluster(name: "eu\\u0000-1") { name } }`);
      expect(refusal(answer)).toEqual({ code: 'INVALID_ARGUMENT', fields: ['name'] });
    });
  });

  describe('a pagination cursor this API did not hand out', () => {
    it.each([
      ['garbage', 'not a cursor!'],
      ['base64 of something else', Buffer.from('hello').toString('base64url')],
      ['a text key where a number is expected', Buffer.from('k:eu-1').toString('base64url')],
      ['a key holding NUL', Buffer.from('k:1\u0000').toString('base64url')],
    ])('%s is INVALID_ARGUMENT naming after', async (_what, after) => {
      for (const query of [`query($after: String) { auditLog(after: $after) { edges { cursor } } }`, `query($after: String) { events(after: $after) { edges { cursor } } }`]) {
        const answer = await post(query, { after });
        expect(refusal(answer)).toEqual({ code: 'INVALID_ARGUMENT', fields: ['after'] });
      }
    });

    it('still pages with the cursors it hands out', async () => {
      type Page = { clusters: { edges: Array<{ cursor: string; node: { name: string } }> } };
      const first = await hub.data<Page>(`{ clusters(first: 1) { edges { cursor node { name } } } }`);
      const second = await hub.data<Page>(`query($after: String) { clusters(first: 1, after: $after) { edges { node { name } } } }`, { after: first.clusters.edges[0].cursor });
      expect(second.clusters.edges.map((edge) => edge.node.name)).toEqual(['eu-2']);
      const log = await hub.data<{ auditLog: { edges: Array<{ cursor: string }> } }>(`{ auditLog(first: 1) { edges { cursor } } }`);
      expect(refusal(await post(`query($after: String) { auditLog(after: $after) { edges { cursor } } }`, { after: log.auditLog.edges[0].cursor })).code).toBeUndefined();
    });
  });

  describe('a date that is not one', () => {
    it('as a variable is INVALID_ARGUMENT naming it', async () => {
      expect(refusal(await post(`query($since: DateTime) { auditLog(since: $since) { edges { cursor } } }`, { since: 'yesterday' }))).toEqual({ code: 'INVALID_ARGUMENT', fields: ['since'] });
    });

    it('as a literal is INVALID_ARGUMENT naming it', async () => {
      expect(refusal(await post(`{ auditLog(until: "next tuesday") { edges { cursor } } }`))).toEqual({ code: 'INVALID_ARGUMENT', fields: ['until'] });
    });

    it('of another type altogether is INVALID_ARGUMENT naming it (the DateTime scalar turns anything into a date, valid or not)', async () => {
      expect(refusal(await post(`query($since: DateTime) { auditLog(since: $since) { edges { cursor } } }`, { since: { when: 'now' } }))).toEqual({ code: 'INVALID_ARGUMENT', fields: ['since'] });
    });
  });

  describe('variables that do not fit their declared type', () => {
    it.each([
      ['of the wrong type', `query($name: String!) { cluster(name: $name) { name } }`, { name: 5 }, 'name'],
      ['missing though required', `query($name: String!) { cluster(name: $name) { name } }`, {}, 'name'],
      ['null though required', `query($name: String!) { cluster(name: $name) { name } }`, { name: null }, 'name'],
      ['with a field of the wrong type', `mutation($input: CreateClusterInput!) { createCluster(input: $input) { name } }`, { input: { name: 42 } }, 'input.name'],
      ['with a required field missing', `mutation($input: CreateClusterInput!) { createCluster(input: $input) { name } }`, { input: { labels: {} } }, 'input'],
      ['an integer that is text', `query($first: Int) { clusters(first: $first) { edges { cursor } } }`, { first: 'ten' }, 'first'],
    ])('%s is HTTP 400 with INVALID_ARGUMENT naming the variable', async (_what, query, variables, field) => {
      const answer = await post(query, variables);
      expect(answer.status).toBe(400);
      expect(refusal(answer)).toEqual({ code: 'INVALID_ARGUMENT', fields: [field] });
      expect(answer.body.errors?.[0]?.message).toContain(`"$${field.split('.')[0]}"`);
    });
  });
});
