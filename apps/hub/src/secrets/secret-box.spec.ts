import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretBox } from './secret-box';

describe('secret box', () => {
  it('opens what it sealed, and seals the same text differently each time', () => {
    const box = new SecretBox(randomBytes(32));
    const sealed = box.seal('ghp_token');
    expect(sealed).not.toContain('ghp_token');
    expect(box.seal('ghp_token')).not.toBe(sealed);
    expect(box.open(sealed)).toBe('ghp_token');
  });

  it('refuses a secret sealed with another key, or tampered with', () => {
    const sealed = new SecretBox(randomBytes(32)).seal('secret');
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow('the hub secret key (CAPSTAN_SECRET_KEY) changed');
    const box = new SecretBox(randomBytes(32));
    const parts = box.seal('secret').split(':');
    parts[3] = Buffer.from('tampered').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
  });

  it('creates a private key file on first use and reads the same key afterwards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'capstan-key-'));
    try {
      const keyFile = join(dir, 'state', 'secret.key');
      const sealed = SecretBox.fromKeyOrFile(undefined, keyFile).seal('kept');
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(SecretBox.fromKeyOrFile(undefined, keyFile).open(sealed)).toBe('kept');
      expect(SecretBox.fromKeyOrFile(readFileSync(keyFile, 'utf8'), join(dir, 'unused')).open(sealed)).toBe('kept');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
