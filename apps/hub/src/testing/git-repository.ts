import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { simpleGit } from 'simple-git';

/** A key for signing commits and the public material (`trust`) a source is configured with. */
export type SigningKey =
  | { format: 'ssh'; privateKeyFile: string; trust: string }
  | { format: 'gpg'; gnupgHome: string; fingerprint: string; trust: string };

/** A real git repository in a temporary folder, for tests that commit and then watch the hub react. */
export class TestGitRepository {
  private constructor(readonly dir: string) {}

  static async create(branch = 'main'): Promise<TestGitRepository> {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-git-'));
    const git = simpleGit(dir);
    await git.init(['--initial-branch', branch]);
    await git.addConfig('user.name', 'Ada Operator').addConfig('user.email', 'ada@example.com').addConfig('commit.gpgsign', 'false');
    return new TestGitRepository(dir);
  }

  get url(): string {
    return `file://${this.dir}`;
  }

  /** Writes `files` (path → content; null deletes), commits them and returns the commit sha. */
  async commit(files: Record<string, string | null>, message: string, options: { signWith?: SigningKey } = {}): Promise<string> {
    for (const [path, content] of Object.entries(files)) {
      const file = join(this.dir, path);
      if (content === null) rmSync(file, { force: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
    const git = simpleGit(this.dir);
    await git.add(['-A']);
    const key = options.signWith;
    const commit = ['commit', '--allow-empty', '-m', message];
    if (!key) await git.raw(commit);
    else if (key.format === 'ssh') await git.raw(['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key.privateKeyFile}`, ...commit, '-S']);
    else execFileSync('git', ['-C', this.dir, '-c', `user.signingkey=${key.fingerprint}`, ...commit, '-S'], { env: { ...process.env, GNUPGHOME: key.gnupgHome } });
    return (await git.revparse(['HEAD'])).trim();
  }

  async tag(name: string): Promise<void> {
    await simpleGit(this.dir).addTag(name);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Generates an ed25519 SSH key for signing commits as `email`; `trust` is its allowed-signers line. */
export function generateSshSigningKey(email = 'ada@example.com'): SigningKey {
  const dir = mkdtempSync(join(tmpdir(), 'capstan-key-'));
  const privateKeyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', email, '-f', privateKeyFile]);
  const publicKey = readFileSync(`${privateKeyFile}.pub`, 'utf8').trim();
  return { format: 'ssh', privateKeyFile, trust: `${email} ${publicKey}\n` };
}

/** Removes a key's files, and stops the gpg-agent that signing with a GPG key started. */
export function disposeSigningKey(key: SigningKey): void {
  if (key.format === 'gpg') {
    execFileSync('gpgconf', ['--kill', 'gpg-agent'], { env: { ...process.env, GNUPGHOME: key.gnupgHome } });
    rmSync(key.gnupgHome, { recursive: true, force: true });
  } else {
    rmSync(dirname(key.privateKeyFile), { recursive: true, force: true });
  }
}

/** Generates a GPG signing key in a keyring of its own; `trust` is the ASCII-armoured public key. */
export function generateGpgSigningKey(email = 'ada@example.com'): SigningKey {
  const gnupgHome = mkdtempSync(join(tmpdir(), 'capstan-gpg-'));
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  execFileSync('gpg', ['--batch', '--passphrase', '', '--quick-gen-key', `Ada Operator <${email}>`, 'ed25519', 'sign', 'never'], { env, stdio: 'pipe' });
  const listing = execFileSync('gpg', ['--batch', '--with-colons', '--list-secret-keys'], { env }).toString();
  const fingerprint = /^fpr:+([0-9A-F]+):/m.exec(listing)?.[1] ?? '';
  const trust = execFileSync('gpg', ['--batch', '--armor', '--export', fingerprint], { env }).toString();
  return { format: 'gpg', gnupgHome, fingerprint, trust };
}
