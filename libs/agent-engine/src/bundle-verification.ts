import { createHash, createPublicKey, verify } from 'node:crypto';

/** A bundle that must not be applied: wrong signature or content not matching its digest. */
export class BundleVerificationError extends Error {}

/** Checks the hub's Ed25519 signature of a bundle digest with the hub's public key (PEM). */
export function verifyBundleSignature(digest: string, signature: Uint8Array, hubPublicKey: string): void {
  const valid = signature.length > 0 && verify(null, Buffer.from(digest, 'utf8'), createPublicKey(hubPublicKey), Buffer.from(signature));
  if (!valid) throw new BundleVerificationError(`the signature of bundle ${digest} does not verify with the hub's public key`);
}

/** Checks that downloaded content is what the digest names. */
export function verifyBundleContent(digest: string, json: string): void {
  const actual = `sha256:${createHash('sha256').update(json, 'utf8').digest('hex')}`;
  if (actual !== digest) throw new BundleVerificationError(`bundle content hashes to ${actual}, not ${digest}`);
}
