import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { simpleGit, type SimpleGit } from 'simple-git';

/** How the hub authenticates to a remote. */
export type GitAuth = { kind: 'none' } | { kind: 'https-token'; username: string; token: string } | { kind: 'ssh-key'; privateKey: string };

/** Where a source's commits come from. */
export interface GitRemote {
  /** The source's name, for logs, metrics and errors. */
  name: string;
  url: string;
  auth: GitAuth;
}

/** One fetch from a remote, as the mirror reports it when it is done. */
export interface FetchRecord {
  source: string;
  /** The branch, tag or commit asked for. */
  ref: string;
  /** The commit it named; null when the fetch failed. */
  sha: string | null;
  outcome: 'ok' | 'failed';
  durationSeconds: number;
}

export interface CommitInfo {
  sha: string;
  author: string;
  message: string;
  committedAt: Date;
}

/** A fetch or checkout that failed; the message carries git's own words, never credentials. */
export class GitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** Trees kept checked out per source; older ones are removed (they can be checked out again). */
const keptTrees = 8;
const gitEnvironment = ['GIT_SSH_COMMAND', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_TERMINAL_PROMPT'];

/**
 * Shallow mirrors of git sources in a cache directory: one bare repository per source, fetched one
 * commit deep, with immutable checkouts per commit for rendering. Work on one source is serialised,
 * so many applications sharing a source cause one fetch.
 */
export class GitMirror {
  private readonly logger = new Logger(GitMirror.name);
  private readonly queues = new Map<string, Promise<unknown>>();
  private readonly fetchListeners = new Set<(fetch: FetchRecord) => void>();

  constructor(private readonly root: string) {}

  /** Calls `listener` after every fetch from a remote, whatever its outcome; returns how to stop. */
  onFetch(listener: (fetch: FetchRecord) => void): () => void {
    this.fetchListeners.add(listener);
    return () => this.fetchListeners.delete(listener);
  }

  /** Fetches `ref` (branch, tag or commit) of `remote` and returns the commit it names now. */
  fetch(key: string, remote: GitRemote, ref: string): Promise<CommitInfo> {
    return this.serialised(key, async () => {
      const git = await this.repository(key);
      const sha = await this.fetchRef(key, remote, ref);
      return this.commitInfo(git, sha);
    });
  }

  /**
   * A directory holding the files of commit `sha`; the same directory for the same commit. A commit
   * the mirror lacks (fetched by another hub replica, or before this mirror was made) is fetched
   * from `remote` first.
   */
  checkout(key: string, remote: GitRemote, sha: string): Promise<string> {
    return this.serialised(key, async () => {
      if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) throw new GitError(`source ${remote.name}: "${sha}" is not a full commit sha`);
      const trees = join(this.root, key, 'trees');
      const tree = join(trees, sha);
      if (existsSync(tree)) return tree;
      const git = await this.repository(key);
      if (!(await this.hasCommit(git, sha))) {
        await this.fetchRef(key, remote, sha).catch((error: Error) => {
          throw new GitError(`source ${remote.name}: commit ${sha} is not in this hub's mirror and could not be fetched: ${error.message}`);
        });
      }
      await mkdir(trees, { recursive: true });
      await this.run(() => git.raw(['worktree', 'add', '--detach', '--force', tree, sha]), `source ${remote.name}: checkout of ${sha}`);
      await this.pruneTrees(git, trees);
      return tree;
    });
  }

  /** Verifies the signature of `sha` against `signingKeys` (armoured GPG keys or SSH allowed-signers lines). */
  verifyCommit(key: string, sha: string, signingKeys: string): Promise<void> {
    return this.serialised(key, async () => {
      await this.repository(key);
      const gitDir = join(this.root, key, 'repo.git');
      const scratch = await mkdtemp(join(this.root, key, 'verify-'));
      try {
        const gpgKeys = signingKeys.includes('BEGIN PGP PUBLIC KEY');
        const allowedSigners = join(scratch, 'allowed_signers');
        await writeFile(allowedSigners, gpgKeys ? '' : signingKeys);
        const gnupgHome = join(scratch, 'gnupg');
        await mkdir(gnupgHome, { mode: 0o700 });
        if (gpgKeys) {
          await execute('gpg', ['--batch', '--import'], { ...gitEnv(), GNUPGHOME: gnupgHome }, signingKeys).catch((error: Error) => {
            throw new GitError(`the source's signing keys could not be imported: ${firstLine(error.message)}`);
          });
        }
        // Run directly: verify-commit says nothing on stderr for an unsigned commit, only exits 1.
        await execute('git', ['-C', gitDir, '-c', `gpg.ssh.allowedSignersFile=${allowedSigners}`, 'verify-commit', sha], { ...gitEnv(), GNUPGHOME: gnupgHome }).catch(
          (error: Error) => {
            throw new GitError(`commit ${sha} has no valid signature from the source's signing keys: ${firstLine(error.message) || 'it is unsigned'}`);
          },
        );
      } finally {
        await rm(scratch, { recursive: true, force: true });
      }
    });
  }

  /** Fetches one commit deep and returns the commit `ref` names; reports the fetch to the listeners. */
  private async fetchRef(key: string, remote: GitRemote, ref: string): Promise<string> {
    const started = process.hrtime.bigint();
    const report = (sha: string | null, error?: Error) => {
      const durationSeconds = Number(process.hrtime.bigint() - started) / 1e9;
      const took = `${Math.round(durationSeconds * 1000)} ms`;
      if (error) this.logger.debug(`source ${remote.name}: fetch of ${ref} failed after ${took}: ${error.message}`);
      else this.logger.debug(`source ${remote.name}: fetched ${ref} at commit ${sha} in ${took}`);
      const record: FetchRecord = { source: remote.name, ref, sha, outcome: error ? 'failed' : 'ok', durationSeconds };
      for (const listener of this.fetchListeners) {
        try {
          listener(record);
        } catch {
          // What watches fetches cannot fail one.
        }
      }
    };
    let sha: string;
    try {
      const git = await this.repository(key);
      await this.withAuth(key, remote.auth, (authed) => authed.fetch(['--depth=1', '--no-tags', '--force', remote.url, ref]), remote.url);
      sha = (await git.revparse(['FETCH_HEAD^{commit}'])).trim();
    } catch (error) {
      report(null, error as Error);
      throw error;
    }
    report(sha);
    return sha;
  }

  private async hasCommit(git: SimpleGit, sha: string): Promise<boolean> {
    return git.raw(['cat-file', '-e', `${sha}^{commit}`]).then(
      () => true,
      () => false,
    );
  }

  private async repository(key: string): Promise<SimpleGit> {
    const dir = join(this.root, key, 'repo.git');
    if (!existsSync(join(dir, 'HEAD'))) {
      await mkdir(dir, { recursive: true });
      await simpleGit({ baseDir: dir }).init(true);
    }
    // Only the two settings auth needs: credentials travel in GIT_CONFIG_* and GIT_SSH_COMMAND, never in argv.
    return simpleGit({ baseDir: dir, allowEnvironment: gitEnvironment, unsafe: { allowUnsafeConfigEnvCount: true, allowUnsafeSshCommand: true } });
  }

  private async withAuth<T>(key: string, auth: GitAuth, work: (git: SimpleGit) => Promise<T>, url: string): Promise<T> {
    const git = await this.repository(key);
    const env: Record<string, string> = { ...gitEnv(), GIT_TERMINAL_PROMPT: '0' };
    let keyFile: string | null = null;
    if (auth.kind === 'https-token') {
      // Passed through the environment, not argv, so the token never shows in a process list.
      env['GIT_CONFIG_COUNT'] = '1';
      env['GIT_CONFIG_KEY_0'] = 'http.extraHeader';
      env['GIT_CONFIG_VALUE_0'] = `Authorization: Basic ${Buffer.from(`${auth.username}:${auth.token}`).toString('base64')}`;
    } else if (auth.kind === 'ssh-key') {
      keyFile = join(this.root, key, 'ssh-key');
      await writeFile(keyFile, auth.privateKey.endsWith('\n') ? auth.privateKey : `${auth.privateKey}\n`, { mode: 0o600 });
      await chmod(keyFile, 0o600);
      const knownHosts = join(this.root, 'known_hosts');
      env['GIT_SSH_COMMAND'] = `ssh -i ${keyFile} -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile=${knownHosts}`;
    }
    try {
      return await this.run(() => work(git.env(env)), `fetch from ${redact(url)}`);
    } finally {
      if (keyFile) await rm(keyFile, { force: true });
    }
  }

  private async run<T>(work: () => Promise<T>, what: string): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw new GitError(`${what} failed: ${firstLine((error as Error).message)}`);
    }
  }

  private async commitInfo(git: SimpleGit, sha: string): Promise<CommitInfo> {
    const raw = await git.raw(['show', '-s', '--format=%H%x00%an <%ae>%x00%cI%x00%B', sha]);
    const [fullSha, author, committedAt, message] = raw.split('\0');
    return { sha: fullSha.trim(), author, message: (message ?? '').trim(), committedAt: new Date(committedAt) };
  }

  private async pruneTrees(git: SimpleGit, trees: string): Promise<void> {
    const entries = await Promise.all((await readdir(trees)).map(async (name) => ({ name, mtime: (await stat(join(trees, name))).mtimeMs })));
    const stale = entries.sort((a, b) => b.mtime - a.mtime).slice(keptTrees);
    for (const entry of stale) await git.raw(['worktree', 'remove', '--force', join(trees, entry.name)]).catch(() => rm(join(trees, entry.name), { recursive: true, force: true }));
    if (stale.length) await git.raw(['worktree', 'prune']);
  }

  private serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.queues.set(key, next);
    return next;
  }
}

/** Runs a program to completion; rejects with its stderr (or exit code) when it fails. */
function execute(program: string, args: string[], env: Record<string, string>, input?: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = execFile(program, args, { env }, (error, _stdout, stderr) =>
      error ? reject(new Error(String(stderr).trim() || `${program} exited with ${error.code}`)) : resolve(),
    );
    // A program may exit without reading its input; its exit status says what happened.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** The environment git runs with: nothing of the hub's own beyond what finding programs needs. */
function gitEnv(): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/' };
}

function firstLine(text: string): string {
  return text.split('\n').find((line) => line.trim() !== '')?.trim() ?? '';
}

/** A URL without user info, safe to show. */
function redact(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]+@/, '$1');
}
