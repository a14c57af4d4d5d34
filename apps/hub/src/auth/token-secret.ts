import { createHash, randomBytes } from 'node:crypto';

const tokenPrefix = 'capstan_';

/** A new API token: 256 random bits, prefixed so secret scanners can recognise it. */
export function generateTokenSecret(): string {
  return tokenPrefix + randomBytes(32).toString('base64url');
}

/**
 * What the database keeps of a token. Tokens are long random strings, not passwords, so a
 * fast hash is enough (guessing is hopeless) and lets a request find its token by hash.
 */
export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
