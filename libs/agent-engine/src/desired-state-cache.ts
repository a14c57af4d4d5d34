import { fromJsonString, toJsonString } from '@bufbuild/protobuf';
import { type ResourceManager, statusCodeOf } from '@capstan/kube';
import { type ApplicationDesiredState, ApplicationDesiredStateSchema, type PolicySet, PolicySetSchema } from '@capstan/proto';
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
/** Not labelled as an application's: the policies in force are the cluster's, whatever it runs. */
const policySetSecretName = 'capstan-policies';
const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const fromBase64 = (text: string | undefined) => Buffer.from(text ?? '', 'base64').toString('utf8');

/**
 * Keeps each application's last desired state, and the policies in force, in Secrets of the
 * agent's namespace, so a restarted agent works (and judges compliance) without the hub.
 */
export class DesiredStateCache {
  constructor(
    private readonly manager: ResourceManager,
    private readonly namespace: string,
  ) {}

  async write({ state, bundle }: CachedDesiredState): Promise<void> {
    await this.writeSecret(secretName(state.application), { [cacheLabel]: 'true' }, { desiredState: base64(toJsonString(ApplicationDesiredStateSchema, state)), bundle: base64(bundle) });
  }

  async writePolicies(set: PolicySet): Promise<void> {
    await this.writeSecret(policySetSecretName, {}, { policySet: base64(toJsonString(PolicySetSchema, set)) });
  }

  /** The policy set last received; null when none was, or it does not read (the hub sends it again). */
  async readPolicies(): Promise<PolicySet | null> {
    let secret: { data?: Record<string, string> };
    try {
      secret = (await this.manager.client.read({ apiVersion: 'v1', kind: 'Secret', metadata: { name: policySetSecretName, namespace: this.namespace } })) as { data?: Record<string, string> };
    } catch (error) {
      if (statusCodeOf(error) === 404) return null;
      throw error;
    }
    try {
      return fromJsonString(PolicySetSchema, fromBase64(secret.data?.['policySet']));
    } catch {
      return null;
    }
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

  private async writeSecret(name: string, labels: Record<string, string>, data: Record<string, string>): Promise<void> {
    await this.manager.client.patch(
      { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: this.namespace, labels: { ...labels, 'app.kubernetes.io/managed-by': 'capstan' } }, type: 'Opaque', data } as never,
      undefined,
      undefined,
      this.manager.options.fieldManager,
      true,
      PatchStrategy.ServerSideApply,
    );
  }
}
