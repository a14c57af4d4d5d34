import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { canonicalJson, type JsonObject } from '@capstan/manifest';
import { InventoryStore } from '@capstan/kube';
import { ApplicationDesiredStateSchema } from '@capstan/proto';
import { ApplicationState } from './application-state';
import { BundleVerificationError } from './bundle-verification';
import { Deployer } from './deployer';
import { DesiredStateCache } from './desired-state-cache';
import { Pruner } from './pruner';
import { startTestCluster, type TestCluster } from './testing/simulated-cluster';

const namespace: JsonObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };
const configMap = (name: string): JsonObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { name } });
const [first, second] = [configMap('first'), configMap('second')];
const ref = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, namespace: 'shop' });

describe('the deploy reconciler', () => {
  let test: TestCluster;
  let deployer: Deployer;
  let inventories: InventoryStore;
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const bundles = new Map<string, string>();

  /** An application's state with these objects, as a deploy would take them from git. */
  const stateOf = (objects: JsonObject[], prune = true) => {
    const state = new ApplicationState(create(ApplicationDesiredStateSchema, { application: 'shop', prune }));
    state.setObjects(objects, 'r1');
    return state;
  };

  beforeAll(async () => {
    test = await startTestCluster({}, 300);
    inventories = new InventoryStore(test.resources, 'capstan-system');
    test.cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'capstan-system' } });
    const cache = new DesiredStateCache(test.resources, 'capstan-system');
    deployer = new Deployer(test.resources, cache, new Pruner(test.resources, inventories), publicKey.export({ type: 'spki', format: 'pem' }).toString(), async (digest) => bundles.get(digest) ?? '');
  });
  afterAll(() => test.server.stop());

  it('applies namespaces first, then the rest, and records what it applied in the inventory', async () => {
    const changeSet = await deployer.deploy(stateOf([first, second, namespace]));
    expect(changeSet.entries.map((entry) => [entry.subject, entry.action])).toEqual([
      ['Namespace/shop', 'created'],
      ['ConfigMap/shop/first', 'created'],
      ['ConfigMap/shop/second', 'created'],
    ]);
    expect((await inventories.read('shop')).objects.map((object) => object.name)).toEqual(['first', 'second', 'shop']);
  });

  it('never forgets an object it applied: one skipped this time is still pruned once it leaves git', async () => {
    // A namespace stuck terminating never becomes active: the wait for it fails and everything after it is skipped.
    test.cluster.createObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck', finalizers: ['example.com/hold'] } });
    test.cluster.deleteObject({ apiVersion: 'v1', kind: 'Namespace', name: 'stuck' });
    const skipped = await deployer.deploy(stateOf([namespace, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'stuck' } }, first, second]));
    expect(skipped.entries.filter((entry) => entry.action === 'skipped').map((entry) => entry.subject)).toEqual(['ConfigMap/shop/first', 'ConfigMap/shop/second']);

    const pruned = await deployer.deploy(stateOf([namespace, first]));
    expect(pruned.entries).toContainEqual(expect.objectContaining({ subject: 'ConfigMap/shop/second', action: 'deleted' }));
    expect(test.cluster.findObject(ref('second'))).toBeUndefined();
    expect(test.cluster.findObject(ref('first'))).toBeDefined();
  });

  it('leaves what left git in place while prune is off, and keeps it in the inventory for a later prune', async () => {
    await deployer.deploy(stateOf([namespace, first, second]));
    const kept = await deployer.deploy(stateOf([namespace, first], false));
    expect(kept.entries).toContainEqual(expect.objectContaining({ subject: 'ConfigMap/shop/second', action: 'skipped', message: 'no longer in git; left in place because prune is off' }));
    expect(test.cluster.findObject(ref('second'))).toBeDefined();
    await deployer.deploy(stateOf([namespace, first]));
    expect(test.cluster.findObject(ref('second'))).toBeUndefined();
  });

  it('takes a bundle signed by the hub whose content matches its digest, and refuses any other', async () => {
    const json = canonicalJson([namespace, first]);
    const digest = `sha256:${createHash('sha256').update(json).digest('hex')}`;
    bundles.set(digest, json);
    const desired = (signature: Uint8Array) => create(ApplicationDesiredStateSchema, { application: 'shop', bundleDigest: digest, bundleSignature: signature });
    const state = stateOf([]);
    expect((await deployer.bundleOf(state, desired(sign(null, Buffer.from(digest), privateKey)))).objects).toEqual([namespace, first]);
    await expect(deployer.bundleOf(state, desired(sign(null, Buffer.from(digest), generateKeyPairSync('ed25519').privateKey)))).rejects.toThrow(BundleVerificationError);
    bundles.set(digest, json.replace('first', 'tampered'));
    await expect(deployer.bundleOf(state, desired(sign(null, Buffer.from(digest), privateKey)))).rejects.toThrow(/hashes to sha256:[0-9a-f]{64}, not/);
  });
});
