import type { JsonObject } from '@capstan/manifest';
import { applyAll, applyAllStaged, type ApplyOptions, type ResourceManager } from '@capstan/kube';
import type { ApplicationDesiredState } from '@capstan/proto';
import type { ChangeSet } from '@capstan/vocabulary';
import type { ApplicationState } from './application-state';
import { verifyBundleContent, verifyBundleSignature } from './bundle-verification';
import type { DesiredStateCache } from './desired-state-cache';
import type { Pruner } from './pruner';

/** Where bundles come from when the agent does not hold them: the hub, by digest. */
export type BundleSource = (digest: string) => Promise<string>;

/**
 * The deploy reconciler: verifies a desired state's bundle (the hub's signature, the content's
 * digest), keeps the whole desired state in the cluster, applies the objects in stages (CRDs and
 * Namespaces first) and hands over to the pruner, which records the inventory.
 */
export class Deployer {
  constructor(
    private readonly resources: ResourceManager,
    private readonly cache: DesiredStateCache,
    private readonly pruner: Pruner,
    private readonly hubPublicKey: string,
    private readonly fetchBundle: BundleSource,
  ) {}

  /** The bundle of `desired`, verified, from what the application holds or else from the hub. Throws BundleVerificationError. */
  async bundleOf(state: ApplicationState, desired: ApplicationDesiredState): Promise<{ json: string; objects: JsonObject[] }> {
    verifyBundleSignature(desired.bundleDigest, desired.bundleSignature, this.hubPublicKey);
    const json = state.bundle?.digest === desired.bundleDigest ? state.bundle.json : await this.fetchBundle(desired.bundleDigest);
    verifyBundleContent(desired.bundleDigest, json);
    return { json, objects: JSON.parse(json) as JsonObject[] };
  }

  /** Keeps the whole desired state with its verified bundle in the cluster, to enforce it from there after a restart with the hub away. */
  remember(desired: ApplicationDesiredState, bundle: string): Promise<void> {
    return this.cache.write({ state: desired, bundle });
  }

  /**
   * Applies the application's objects as git says, leaving the fields its ignore rules give away at
   * their live values, then prunes; `observe` hears each object as the apply left it.
   */
  async deploy(state: ApplicationState, observe?: ApplyOptions['observe']): Promise<ChangeSet> {
    const objects = [...state.objects.values()];
    const applied = await applyAllStaged(this.resources, objects.map((object) => object.manifest), { ignore: state.desired.ignoreRules, observe });
    const pruned = await this.pruner.prune(state.name, objects.map((object) => object.id), applied, state.desired.prune);
    return { entries: [...applied.entries, ...pruned.entries] };
  }

  /** Applies these objects again as git says (a heal), leaving the fields ignore rules give away as they are. */
  reapply(state: ApplicationState, keys: readonly string[], observe?: ApplyOptions['observe']): Promise<ChangeSet> {
    const manifests = keys.flatMap((key) => {
      const object = state.objects.get(key);
      return object ? [object.manifest] : [];
    });
    return applyAll(this.resources, manifests, { ignore: state.desired.ignoreRules, observe });
  }
}
