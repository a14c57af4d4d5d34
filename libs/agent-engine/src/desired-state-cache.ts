import { PatchStrategy } from '@kubernetes/client-node';
import { type ResourceManager, statusCodeOf } from '@capstan/kube';

/** What the agent keeps of one application's desired state: enough to enforce it with the hub away. */
export interface CachedDesiredState {
  application: string;
  revision: string;
  commitSha: string;
  bundleDigest: string;
  /** Base64 of the hub's signature, verified again when the cache is read. */
  bundleSignature: string;
  prune: boolean;
  healPolicy: number;
  /** The bundle's canonical JSON. */
  bundle: string;
}

const cacheLabel = 'capstan.dev/desired-state';
const secretName = (application: string) => `capstan-desired-${application}`;

/** Keeps each application's last desired state in a Secret of the agent's namespace, so a restarted agent works without the hub. */
export class DesiredStateCache {
  constructor(
    private readonly manager: ResourceManager,
    private readonly namespace: string,
  ) {}

  async write(state: CachedDesiredState): Promise<void> {
    await this.manager.client.patch(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName(state.application), namespace: this.namespace, labels: { [cacheLabel]: 'true', 'app.kubernetes.io/managed-by': 'capstan' } },
        type: 'Opaque',
        data: { state: Buffer.from(JSON.stringify(state)).toString('base64') },
      } as never,
      undefined,
      undefined,
      this.manager.options.fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
  }

  /** Forgets an application the cluster no longer runs. */
  async remove(application: string): Promise<void> {
    try {
      await this.manager.client.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: secretName(application), namespace: this.namespace } });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
  }

  /** Every cached application state; none when the namespace does not exist yet. */
  async readAll(): Promise<CachedDesiredState[]> {
    try {
      const list = await this.manager.client.list('v1', 'Secret', this.namespace, undefined, undefined, undefined, undefined, `${cacheLabel}=true`);
      return list.items.map((secret) => JSON.parse(Buffer.from((secret as { data?: Record<string, string> }).data?.['state'] ?? '', 'base64').toString('utf8')) as CachedDesiredState);
    } catch (error) {
      if (statusCodeOf(error) === 404) return [];
      throw error;
    }
  }
}
