import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { apiMessageOf } from '@capstan/kube';
import { type KubeConfig, KubernetesObjectApi, type V1Secret } from '@kubernetes/client-node';
import { setTimeout as sleep } from 'node:timers/promises';

/** What an agent starts from: the cluster credential once registered, else a one-time bootstrap token. */
export interface StoredCredential {
  credential?: string;
  bootstrapToken?: string;
}

/** Where an agent keeps the cluster credential it obtained, so that a restarted agent reuses it. */
export interface CredentialStore {
  /** Names the place, for messages. */
  readonly location: string;
  read(): Promise<StoredCredential>;
  keep(credential: string): Promise<void>;
}

/** A file of its own (mode 0600), for an agent run by hand. */
export class FileCredentialStore implements CredentialStore {
  readonly location: string;

  constructor(file: string) {
    this.location = resolve(file);
  }

  async read(): Promise<StoredCredential> {
    return existsSync(this.location) ? { credential: readFileSync(this.location, 'utf8').trim() || undefined } : {};
  }

  async keep(credential: string): Promise<void> {
    mkdirSync(dirname(this.location), { recursive: true });
    writeFileSync(this.location, `${credential}\n`, { mode: 0o600 });
  }
}

const credentialKey = 'credential';
const bootstrapTokenKey = 'bootstrap-token';
const decode = (value: string | undefined) => (value ? Buffer.from(value, 'base64').toString('utf8').trim() || undefined : undefined);

/**
 * The install bundle's Secret, in the agent's own namespace: it arrives holding the bootstrap token;
 * once registered the agent writes its credential into it and removes the spent token, so a new
 * pod of the Deployment reconnects with the credential.
 */
export class SecretCredentialStore implements CredentialStore {
  readonly location: string;
  private readonly api: KubernetesObjectApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly namespace: string,
    private readonly name: string,
    private readonly retryDelaysMs: readonly number[] = [500, 1_000, 2_000, 4_000, 8_000, 16_000],
  ) {
    this.location = `Secret ${namespace}/${name}`;
    this.api = KubernetesObjectApi.makeApiClient(kubeConfig);
  }

  async read(): Promise<StoredCredential> {
    let secret: V1Secret;
    try {
      secret = (await this.api.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: this.name, namespace: this.namespace } })) as V1Secret;
    } catch (error) {
      throw new Error(`cannot read the agent's ${this.location}: ${apiMessageOf(error)}`);
    }
    return { credential: decode(secret.data?.[credentialKey]), bootstrapToken: decode(secret.data?.[bootstrapTokenKey]) };
  }

  /** Retried for a while: the bootstrap token is spent by now, so a credential not kept would strand the cluster at the next restart. */
  async keep(credential: string): Promise<void> {
    const patch = { apiVersion: 'v1', kind: 'Secret', metadata: { name: this.name, namespace: this.namespace }, data: { [credentialKey]: Buffer.from(credential).toString('base64'), [bootstrapTokenKey]: null } };
    for (let attempt = 0; ; attempt++) {
      try {
        await this.api.patch(patch as never, undefined, undefined, undefined, undefined, 'application/merge-patch+json');
        return;
      } catch (error) {
        if (attempt >= this.retryDelaysMs.length) throw new Error(`cannot keep the cluster credential in ${this.location}: ${apiMessageOf(error)}`);
        await sleep(this.retryDelaysMs[attempt]);
      }
    }
  }
}
