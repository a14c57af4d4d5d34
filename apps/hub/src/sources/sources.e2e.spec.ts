import { createHmac } from 'node:crypto';
import { testDatabaseKinds } from '@capstan/persistence';
import { disposeSigningKey, generateSshSigningKey, TestGitRepository } from '../testing/git-repository';
import { startTestHub, type TestHub } from '../testing/test-hub';
import { eventually } from '../testing/wait';

interface SourceStatus {
  lastCommitSha: string | null;
  lastFetchedAt: string | null;
  lastError: string | null;
  webhookEnabled: boolean;
}


describe.each(testDatabaseKinds())('git sources on %s', (kind) => {
  let hub: TestHub;
  let repository: TestGitRepository;
  const webhookSecret = 'a-webhook-secret-of-some-length';

  const status = async (name: string) =>
    (await hub.graphql<{ source: SourceStatus }>(`query($name: String!) { source(name: $name) { lastCommitSha lastFetchedAt lastError webhookEnabled } }`, { name })).data?.source as SourceStatus;

  const push = (name: string, body: object, secret = webhookSecret) => {
    const raw = JSON.stringify(body);
    return fetch(`${hub.hub.url}/hooks/git/${name}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}` },
      body: raw,
    });
  };

  beforeAll(async () => {
    hub = await startTestHub(kind);
    repository = await TestGitRepository.create();
  });
  afterAll(async () => {
    await hub.close();
    repository.remove();
  });

  it('fetches a new source at once and a later commit within one poll interval', async () => {
    const first = await repository.commit({ 'README.md': 'fleet\n' }, 'first');
    await hub.graphql(`mutation($url: String!) { createSource(input: { name: "polled", url: $url, pollIntervalSeconds: 5 }) { name } }`, { url: repository.url });
    expect((await eventually(() => status('polled'), (source) => source.lastCommitSha === first)).lastCommitSha).toBe(first);
    const second = await repository.commit({ 'README.md': 'fleet v2\n' }, 'second');
    const polled = await eventually(() => status('polled'), (source) => source.lastCommitSha === second, 8_000);
    expect(polled).toMatchObject({ lastCommitSha: second, lastError: null });
  });

  it('syncs at once on a correctly signed push webhook and refuses a forged one with 401', async () => {
    await hub.graphql(
      `mutation($url: String!, $secret: String!) { createSource(input: { name: "hooked", url: $url, pollIntervalSeconds: 3600, webhookSecret: $secret }) { name } }`,
      { url: repository.url, secret: webhookSecret },
    );
    await eventually(() => status('hooked'), (source) => source.lastCommitSha !== null);
    const sha = await repository.commit({ 'README.md': 'pushed\n' }, 'pushed');

    const forged = await push('hooked', { ref: 'refs/heads/main', after: sha }, 'not-the-secret');
    expect(forged.status).toBe(401);
    const otherBranch = await push('hooked', { ref: 'refs/heads/feature', after: sha });
    expect(await otherBranch.json()).toMatchObject({ status: 'ignored' });

    const accepted = await push('hooked', { ref: 'refs/heads/main', after: sha });
    expect(accepted.status).toBe(202);
    expect((await eventually(() => status('hooked'), (source) => source.lastCommitSha === sha, 5_000)).lastCommitSha).toBe(sha);
    expect((await status('hooked')).webhookEnabled).toBe(true);
    expect((await fetch(`${hub.hub.url}/hooks/git/no-such-source`, { method: 'POST' })).status).toBe(401);
  });

  it('refuses unsigned commits when signatures are required, keeping the last good commit', async () => {
    const key = generateSshSigningKey();
    try {
      const signed = await repository.commit({ 'README.md': 'signed\n' }, 'signed', { signWith: key });
      const created = await hub.graphql(
        `mutation($url: String!, $keys: String!) { createSource(input: { name: "strict", url: $url, pollIntervalSeconds: 3600, requireSignedCommits: true, signingKeys: $keys }) { name } }`,
        { url: repository.url, keys: key.trust },
      );
      expect(created.errors).toBeUndefined();
      await eventually(() => status('strict'), (source) => source.lastCommitSha === signed);

      await repository.commit({ 'README.md': 'sneaked in\n' }, 'unsigned');
      const sync = await hub.graphql<{ syncSource: { status: string; error: string } }>(`mutation { syncSource(name: "strict") { status error } }`);
      expect(sync.data?.syncSource.status).toBe('failed');
      expect(sync.data?.syncSource.error).toMatch(/has no valid signature/);
      expect(await status('strict')).toMatchObject({ lastCommitSha: signed, lastError: expect.stringMatching(/has no valid signature/) });
    } finally {
      disposeSigningKey(key);
    }
  });

  it('reports a remote it cannot fetch on the source', async () => {
    await hub.graphql(`mutation { createSource(input: { name: "gone", url: "file:///nonexistent/fleet.git", pollIntervalSeconds: 3600 }) { name } }`);
    const source = await eventually(() => status('gone'), (candidate) => candidate.lastError !== null);
    expect(source.lastError).toMatch(/fetch from file:\/\/\/nonexistent\/fleet.git failed/);
    expect(source.lastCommitSha).toBeNull();
  });
});
