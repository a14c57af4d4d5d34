import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { disposeSigningKey, generateGpgSigningKey, generateSshSigningKey, type SigningKey, TestGitRepository } from '../../testing/git-repository';
import { startGitHttpServer } from '../../testing/git-http-server';
import { type FetchRecord, GitError, GitMirror } from './git-mirror';

describe('git mirror', () => {
  // The mirror logs every fetch at debug; outside a hub that would go to the console.
  beforeAll(() => Logger.overrideLogger(false));
  let repository: TestGitRepository;
  let cache: string;
  let mirror: GitMirror;
  const remote = () => ({ name: 'fleet', url: repository.url, auth: { kind: 'none' as const } });

  beforeEach(async () => {
    repository = await TestGitRepository.create();
    cache = mkdtempSync(join(tmpdir(), 'capstan-cache-'));
    mirror = new GitMirror(cache);
  });
  afterEach(() => {
    repository.remove();
    rmSync(cache, { recursive: true, force: true });
  });

  it('fetches the head of a branch with its author, message and time', async () => {
    const sha = await repository.commit({ 'apps/web/deployment.yaml': 'kind: Deployment\n' }, 'Add web\n\nWith a body.');
    const commit = await mirror.fetch('fleet', remote(), 'main');
    expect(commit).toEqual({ sha, author: 'Ada Operator <ada@example.com>', message: 'Add web\n\nWith a body.', committedAt: expect.any(Date) });
  });

  it('sees a new commit on the next fetch, and checks out each commit as its own tree', async () => {
    const first = await repository.commit({ 'app.yaml': 'v: 1\n' }, 'one');
    expect((await mirror.fetch('fleet', remote(), 'main')).sha).toBe(first);
    const second = await repository.commit({ 'app.yaml': 'v: 2\n' }, 'two');
    expect((await mirror.fetch('fleet', remote(), 'main')).sha).toBe(second);
    const firstTree = await mirror.checkout('fleet', remote(), first);
    const secondTree = await mirror.checkout('fleet', remote(), second);
    expect(readFileSync(join(firstTree, 'app.yaml'), 'utf8')).toBe('v: 1\n');
    expect(readFileSync(join(secondTree, 'app.yaml'), 'utf8')).toBe('v: 2\n');
    expect(await mirror.checkout('fleet', remote(), first)).toBe(firstTree);
  });

  it('checks out a commit it never fetched (another replica did) by fetching it from the source first', async () => {
    const first = await repository.commit({ 'app.yaml': 'v: 1\n' }, 'one');
    await repository.commit({ 'app.yaml': 'v: 2\n' }, 'two');
    // A mirror that does not exist yet, asked for a commit that is no longer the branch's head.
    const fresh = new GitMirror(join(cache, 'elsewhere'));
    expect(readFileSync(join(await fresh.checkout('fleet', remote(), first), 'app.yaml'), 'utf8')).toBe('v: 1\n');
    // A mirror that has fetched the head since lacks the older commit too.
    await mirror.fetch('fleet', remote(), 'main');
    expect(readFileSync(join(await mirror.checkout('fleet', remote(), first), 'app.yaml'), 'utf8')).toBe('v: 1\n');
  });

  it('names the source and the commit when a commit is in neither the mirror nor the source', async () => {
    await repository.commit({ 'app.yaml': 'v: 1\n' }, 'one');
    const missing = 'f'.repeat(40);
    await expect(mirror.checkout('fleet', remote(), missing)).rejects.toThrow(new RegExp(`^source fleet: commit ${missing} is not in this hub's mirror and could not be fetched: fetch from file://.* failed`));
    await expect(mirror.checkout('fleet', remote(), 'main')).rejects.toThrow('source fleet: "main" is not a full commit sha');
  });

  it('reports every fetch, from a poll or for a checkout, with its outcome', async () => {
    const first = await repository.commit({ 'app.yaml': 'v: 1\n' }, 'one');
    const second = await repository.commit({ 'app.yaml': 'v: 2\n' }, 'two');
    const fetches: FetchRecord[] = [];
    const stop = mirror.onFetch((fetch) => fetches.push(fetch));
    const debug = jest.spyOn(Logger.prototype, 'debug');
    await mirror.fetch('fleet', remote(), 'main');
    await mirror.checkout('fleet', remote(), second);
    await mirror.checkout('fleet', remote(), first);
    await mirror.fetch('fleet', remote(), 'no-such-branch').catch(() => undefined);
    stop();
    await mirror.fetch('fleet', remote(), 'main');
    expect(fetches).toEqual([
      { source: 'fleet', ref: 'main', sha: second, outcome: 'ok', durationSeconds: expect.any(Number) },
      { source: 'fleet', ref: first, sha: first, outcome: 'ok', durationSeconds: expect.any(Number) },
      { source: 'fleet', ref: 'no-such-branch', sha: null, outcome: 'failed', durationSeconds: expect.any(Number) },
    ]);
    // And each is logged at debug with the source, the commit and how long it took.
    expect(debug.mock.calls.map(([message]) => String(message))).toEqual(
      expect.arrayContaining([expect.stringMatching(new RegExp(`^source fleet: fetched main at commit ${second} in \\d+ ms$`)), expect.stringMatching(/^source fleet: fetch of no-such-branch failed after \d+ ms: /)]),
    );
    debug.mockRestore();
  });

  it('fetches a tag and a local path as well as a file:// URL', async () => {
    const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'tagged');
    await repository.tag('v1.0.0');
    await repository.commit({ 'a.yaml': 'a: 2\n' }, 'after the tag');
    expect((await mirror.fetch('fleet', { name: 'fleet', url: repository.dir, auth: { kind: 'none' } }, 'v1.0.0')).sha).toBe(sha);
  });

  it('serialises concurrent fetches of one source', async () => {
    const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'one');
    const results = await Promise.all(Array.from({ length: 5 }, () => mirror.fetch('fleet', remote(), 'main')));
    expect(results.map((commit) => commit.sha)).toEqual(Array(5).fill(sha));
  });

  it('reports an unknown branch and an unreachable remote with git’s reason', async () => {
    await repository.commit({ 'a.yaml': 'a: 1\n' }, 'one');
    await expect(mirror.fetch('fleet', remote(), 'no-such-branch')).rejects.toThrow(/fetch from file:\/\/.* failed: .*no-such-branch/);
    await expect(mirror.fetch('other', { name: 'other', url: 'file:///nonexistent/repo', auth: { kind: 'none' } }, 'main')).rejects.toThrow(GitError);
  });

  it('authenticates to an https remote with a token that never appears in the URL', async () => {
    const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'over http');
    const server = await startGitHttpServer(repository.dir, 'oauth2', 'token-123');
    try {
      await expect(mirror.fetch('fleet', { name: 'fleet', url: server.url, auth: { kind: 'none' } }, 'main')).rejects.toThrow(GitError);
      const commit = await mirror.fetch('fleet', { name: 'fleet', url: server.url, auth: { kind: 'https-token', username: 'oauth2', token: 'token-123' } }, 'main');
      expect(commit.sha).toBe(sha);
      expect(server.authorizations).toContain(`Basic ${Buffer.from('oauth2:token-123').toString('base64')}`);
      await expect(mirror.fetch('fleet', { name: 'fleet', url: server.url, auth: { kind: 'https-token', username: 'oauth2', token: 'wrong' } }, 'main')).rejects.toThrow(/failed/);
    } finally {
      await server.close();
    }
  });

  it('fetches a commit a checkout lacks with the source’s credentials', async () => {
    const first = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'one');
    await repository.commit({ 'a.yaml': 'a: 2\n' }, 'two');
    const server = await startGitHttpServer(repository.dir, 'oauth2', 'token-123');
    try {
      const authed = { name: 'fleet', url: server.url, auth: { kind: 'https-token' as const, username: 'oauth2', token: 'token-123' } };
      expect(readFileSync(join(await mirror.checkout('fleet', authed, first), 'a.yaml'), 'utf8')).toBe('a: 1\n');
      expect(server.authorizations).toContain(`Basic ${Buffer.from('oauth2:token-123').toString('base64')}`);
    } finally {
      await server.close();
    }
  });

  describe.each([
    ['SSH', generateSshSigningKey, generateSshSigningKey('mallory@example.com')],
    ['GPG', generateGpgSigningKey, generateGpgSigningKey('mallory@example.com')],
  ] as Array<[string, () => SigningKey, SigningKey]>)('commits signed with %s keys', (_format, generate, stranger) => {
    const key = generate();
    afterAll(() => [key, stranger].forEach(disposeSigningKey));

    it('accepts a commit signed with an allowed key', async () => {
      const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'signed', { signWith: key });
      await mirror.fetch('fleet', remote(), 'main');
      await expect(mirror.verifyCommit('fleet', sha, key.trust)).resolves.toBeUndefined();
    });

    it('refuses an unsigned commit', async () => {
      const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'unsigned');
      await mirror.fetch('fleet', remote(), 'main');
      await expect(mirror.verifyCommit('fleet', sha, key.trust)).rejects.toThrow(`commit ${sha} has no valid signature`);
    });

    it('refuses a commit signed with a key that is not allowed', async () => {
      const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'signed by someone else', { signWith: stranger });
      await mirror.fetch('fleet', remote(), 'main');
      await expect(mirror.verifyCommit('fleet', sha, key.trust)).rejects.toThrow(GitError);
    });

    it('leaves no key material behind', async () => {
      const sha = await repository.commit({ 'a.yaml': 'a: 1\n' }, 'signed', { signWith: key });
      await mirror.fetch('fleet', remote(), 'main');
      await mirror.verifyCommit('fleet', sha, key.trust);
      expect(existsSync(join(cache, 'fleet', 'ssh-key'))).toBe(false);
    });
  });
});
