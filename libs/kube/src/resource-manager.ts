import { type KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

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
  readonly client: KubernetesObjectApi;

  constructor(
    kubeConfig: KubeConfig,
    readonly options: ResourceManagerOptions = defaultResourceManagerOptions(),
  ) {
    this.client = KubernetesObjectApi.makeApiClient(kubeConfig);
  }
}
