import { createHmac } from 'node:crypto';
import { testDatabaseKinds } from '@capstan/persistence';
import { TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';

const webhookSecret = 'a-webhook-secret-of-some-length';

/** Push webhooks must not tell which source names exist: an unknown source is answered exactly as a bad signature. */
describe.each(testDatabaseKinds())('push webhooks on %s', (kind) => {
  let hub: TestHub;
  let repository: TestGitRepository;

  const push = async (source: string, headers: Record<string, string>) => {
    const response = await fetch(`${hub.hub.url}/hooks/git/${source}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-github-event': 'push', ...headers }, body: '{"ref":"refs/heads/main"}' });
    return { status: response.status, body: await response.text() };
  };
  const signed = (secret: string) => ({ 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update('{"ref":"refs/heads/main"}').digest('hex')}` });

  beforeAll(async () => {
    hub = await startTestHub(kind);
    repository = await TestGitRepository.create();
    await repository.commit({ 'README.md': 'fleet\n' }, 'first');
    await hub.data(`mutation($url: String!, $secret: String!) { createSource(input: { name: "hooked", url: $url, pollIntervalSeconds: 3600, webhookSecret: $secret }) { name } }`, { url: repository.url, secret: webhookSecret });
    await hub.data(`mutation($url: String!) { createSource(input: { name: "unhooked", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
  });
  afterAll(async () => {
    await hub.close();
    repository.remove();
  });

  it('answers an unknown source, a source without a webhook secret and a bad signature alike', async () => {
    const badSignature = await push('hooked', signed('not-the-secret'));
    expect(badSignature.status).toBe(401);
    for (const answer of [
      await push('no-such-source', signed(webhookSecret)),
      await push('no-such-source', { 'x-gitlab-token': webhookSecret }),
      await push('unhooked', signed(webhookSecret)),
      await push('hooked', { 'x-gitlab-token': 'not-the-secret' }),
      await push('hooked', {}),
      await push('Not_A_Source_Name', signed(webhookSecret)),
      await push('%00', signed(webhookSecret)),
    ]) {
      expect(answer).toEqual(badSignature);
    }
  });

  it('accepts a push signed with the secret', async () => {
    expect((await push('hooked', signed(webhookSecret))).status).toBe(202);
    expect((await push('hooked', { 'x-gitlab-token': webhookSecret })).status).toBe(202);
  });
});
