import { formatIdentity, type ObjectIdentity } from '@capstan/manifest';
import type { KubernetesObject } from '@kubernetes/client-node';
import { apiMessageOf } from './api-errors';
import { referenceTo } from './object-ref';
import type { ResourceManager } from './resource-manager';

/** Whether an object staged ahead of the rest is ready for its dependents. */
export function isReadyForDependents(object: KubernetesObject): boolean {
  const status = (object as { status?: { phase?: string; conditions?: Array<{ type: string; status: string }> } }).status;
  if (object.kind === 'Namespace') return status?.phase === 'Active';
  if (object.kind === 'CustomResourceDefinition') return status?.conditions?.some((condition) => condition.type === 'Established' && condition.status === 'True') ?? false;
  return true;
}

/** Waits until every object is ready for its dependents (CRDs established, namespaces active); throws naming those that are not. */
export async function waitForReady(manager: ResourceManager, objects: readonly ObjectIdentity[]): Promise<void> {
  const deadline = Date.now() + manager.options.waitTimeoutMs;
  let pending = [...objects];
  while (pending.length > 0) {
    const states = await Promise.all(
      pending.map(async (identity) => {
        try {
          return isReadyForDependents(await manager.client.read(referenceTo(identity)));
        } catch (error) {
          throw new Error(`${formatIdentity(identity)}: ${apiMessageOf(error)}`);
        }
      }),
    );
    pending = pending.filter((_identity, index) => !states[index]);
    if (pending.length === 0) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pending.map(formatIdentity).join(', ')} to be ready`);
    await new Promise((resolve) => setTimeout(resolve, manager.options.waitIntervalMs));
  }
}
