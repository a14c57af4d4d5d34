import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { BundleVerificationError, verifyBundleContent, verifyBundleSignature } from './bundle-verification';

describe('bundle verification', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const hubPublicKey = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const json = '[{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}]';
  const digest = `sha256:${createHash('sha256').update(json).digest('hex')}`;

  it('accepts a digest signed by the hub and content matching it', () => {
    expect(() => verifyBundleSignature(digest, sign(null, Buffer.from(digest), privateKey), hubPublicKey)).not.toThrow();
    expect(() => verifyBundleContent(digest, json)).not.toThrow();
  });

  it('refuses a signature by another key, a missing signature, and tampered content', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(() => verifyBundleSignature(digest, sign(null, Buffer.from(digest), other), hubPublicKey)).toThrow(BundleVerificationError);
    expect(() => verifyBundleSignature(digest, new Uint8Array(), hubPublicKey)).toThrow(`the signature of bundle ${digest} does not verify`);
    expect(() => verifyBundleContent(digest, json.replace('"a"', '"b"'))).toThrow(/hashes to sha256:[0-9a-f]{64}, not sha256:/);
  });
});
