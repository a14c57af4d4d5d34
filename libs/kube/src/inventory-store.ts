import type { ObjectIdentity } from '@capstan/manifest';
import { PatchStrategy } from '@kubernetes/client-node';
import { statusCodeOf } from './api-errors';
import type { Inventory } from './inventory';
import type { ResourceManager } from './resource-manager';

/** Keeps each application's inventory in a Secret in the agent's namespace, so it survives agent restarts. */
export class InventoryStore {
  constructor(
    private readonly manager: ResourceManager,
    private readonly namespace: string,
  ) {}

  private secretName(application: string): string {
    return `capstan-inventory-${application}`;
  }

  async read(application: string): Promise<Inventory> {
    try {
      const secret = (await this.manager.client.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: this.secretName(application), namespace: this.namespace } })) as {
        data?: Record<string, string>;
      };
      const encoded = secret.data?.['inventory'];
      return encoded ? { objects: JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as ObjectIdentity[] } : { objects: [] };
    } catch (error) {
      if (statusCodeOf(error) === 404) return { objects: [] };
      throw error;
    }
  }

  /** Forgets an application's inventory; nothing to do when there is none. */
  async remove(application: string): Promise<void> {
    try {
      await this.manager.client.delete({ apiVersion: 'v1', kind: 'Secret', metadata: { name: this.secretName(application), namespace: this.namespace } });
    } catch (error) {
      if (statusCodeOf(error) !== 404) throw error;
    }
  }

  async write(application: string, inventory: Inventory): Promise<void> {
    await this.manager.client.patch(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: this.secretName(application), namespace: this.namespace, labels: { 'app.kubernetes.io/managed-by': 'capstan', 'capstan.dev/application': application } },
        type: 'Opaque',
        data: { inventory: Buffer.from(JSON.stringify(inventory.objects)).toString('base64') },
      } as never,
      undefined,
      undefined,
      this.manager.options.fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}
