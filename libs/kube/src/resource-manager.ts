import { type KubeConfig, KubernetesObjectApi, type V1APIResource } from '@kubernetes/client-node';
import { keepConnectionsAlive } from './kept-alive-connections';

/** The object API, plus the kind-to-resource discovery it does anyway, which watches need. */
export class DiscoveringObjectApi extends KubernetesObjectApi {
  static forConfig(kubeConfig: KubeConfig): DiscoveringObjectApi {
    const client = kubeConfig.makeApiClient(DiscoveringObjectApi);
    client.setDefaultNamespace(kubeConfig);
    return client;
  }

  /** The API resource serving `kind` (its plural name and whether it is namespaced). */
  resourceFor(apiVersion: string, kind: string): Promise<V1APIResource | undefined> {
    return this.resource(apiVersion, kind);
  }

  /** Every resource the cluster serves in `apiVersion`, read once and kept as `resourceFor` keeps them. */
  async resourcesOf(apiVersion: string): Promise<V1APIResource[]> {
    if (!this.apiVersionResourceCache[apiVersion]) await this.resource(apiVersion, '');
    return this.apiVersionResourceCache[apiVersion]?.resources ?? [];
  }
}

/** How the resource manager writes to a cluster. */
export interface ResourceManagerOptions {
  /** Field manager of every server-side apply; owner of the fields Capstan sets. */
  fieldManager: string;
  /** How long staged applies wait for CRDs to be established and namespaces to be active. */
  waitTimeoutMs: number;
  /** Poll interval while waiting. */
  waitIntervalMs: number;
}

export function defaultResourceManagerOptions(): ResourceManagerOptions {
  return { fieldManager: 'capstan', waitTimeoutMs: 30_000, waitIntervalMs: 250 };
}

/**
 * Applies, prunes and waits for objects in one cluster. Its verbs live one per file
 * (`manager-apply.ts`, `manager-delete.ts`, `manager-wait.ts`) and take the manager as context.
 */
export class ResourceManager {
  readonly client: DiscoveringObjectApi;

  constructor(
    readonly kubeConfig: KubeConfig,
    readonly options: ResourceManagerOptions = defaultResourceManagerOptions(),
  ) {
    this.client = DiscoveringObjectApi.forConfig(keepConnectionsAlive(kubeConfig));
  }
}
