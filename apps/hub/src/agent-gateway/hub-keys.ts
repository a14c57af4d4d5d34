import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The hub's Ed25519 key: agents verify every bundle digest against its public half before applying. */
export class BundleSigner {
  private constructor(private readonly privateKey: KeyObject) {}

  /** The key in `<stateDir>/bundle-signing-key.pem`, created on first use. */
  static fromStateDir(stateDir: string): BundleSigner {
    const file = join(stateDir, 'bundle-signing-key.pem');
    if (!existsSync(file)) {
      mkdirSync(stateDir, { recursive: true });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    }
    return new BundleSigner(createPrivateKey(readFileSync(file, 'utf8')));
  }

  /** PEM of the public key, for agents' install configuration. */
  get publicKeyPem(): string {
    return createPublicKey(this.privateKey).export({ type: 'spki', format: 'pem' }).toString();
  }

  sign(digest: string): Buffer {
    return sign(null, Buffer.from(digest, 'utf8'), this.privateKey);
  }
}

export interface ServingCertificate {
  cert: string;
  key: string;
}

/** The file of the gRPC port's TLS certificate (PEM). */
export const servingCertificateFile = (stateDir: string): string => join(stateDir, 'tls', 'grpc.crt');

/** The gRPC port's TLS certificate: `<stateDir>/tls/`, self-signed for localhost on first use (replace the files to use your own). */
export function servingCertificate(stateDir: string): ServingCertificate {
  const dir = join(stateDir, 'tls');
  const certFile = servingCertificateFile(stateDir);
  const keyFile = join(dir, 'grpc.key');
  if (!existsSync(certFile) || !existsSync(keyFile)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '825', '-subj', '/CN=capstan-hub', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyFile, '-out', certFile],
        { stdio: 'pipe' },
      );
    } catch (error) {
      throw new Error(
        `the gRPC port needs a TLS certificate and openssl could not make one (${(error as Error).message}): put grpc.crt and grpc.key in ${dir}, install openssl, or start with --grpc-insecure true for local use`,
      );
    }
  }
  return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}
