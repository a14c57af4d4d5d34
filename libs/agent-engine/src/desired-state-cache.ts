import { fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { type ResourceManager, statusCodeOf } from '@capstan/kube';
import { type ApplicationDesiredState, ApplicationDesiredStateSchema } from '@capstan/proto';
import { PatchStrategy } from '@kubernetes/client-node';

/**
 * What the agent keeps of one application: everything needed to enforce it with the hub away —
 * the whole desired state as the hub sent it (revision, signature, prune and heal policy, ignore
 * rules) and its bundle.
 */
export interface CachedDesiredState {
  state: ApplicationDesiredState;
  /** The bundle's canonical JSON; its digest and the hub's signature are verified again when it is used. */
  bundle: string;
}

const cacheLabel = 'capstan.dev/desired-state';
const secretName = (application: string) => `capstan-desired-${application}`;
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/** Keeps each application's last desired state in a Secret of the agent's namespace, so a restarted agent works without the hub. */
export class DesiredStateCache {
  constructor(
    private readonly manager: ResourceManager,
    private readonly namespace: string,
  ) {}

  async write({ state, bundle }: CachedDesiredState): Promise<void> {
    await this.manager.client.patch(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secretName(state.application), namespace: this.namespace, labels: { [cacheLabel]: 'true', 'app.kubernetes.io/managed-by': 'capstan' } },
        type: 'Opaque',
        data: { desiredState: base64(toJsonString(ApplicationDesiredStateSchema, state)), bundle: base64(bundle) },
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

  /** Every cached application state; none when the namespace does not exist yet. An entry that does not read is left out: the hub sends that state again. */
  async readAll(): Promise<CachedDesiredState[]> {
    try {
      const list = await this.manager.client.list('v1', 'Secret', this.namespace, undefined, undefined, undefined, undefined, `${cacheLabel}=true`);
      return list.items.flatMap((secret) => {
        const data = (secret as { data?: Record<string, string> }).data;
        try {
          return [{ state: fromJsonString(ApplicationDesiredStateSchema, fromBase64(data?.['desiredState'])), bundle: fromBase64(data?.['bundle']) }];
        } catch {
          return [];
        }
      });
    } catch (error) {
      if (statusCodeOf(error) === 404) return [];
      throw error;
    }
  }
}
