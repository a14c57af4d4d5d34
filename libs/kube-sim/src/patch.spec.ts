import * as k8s from '@kubernetes/client-node';
import { deployment, failure, startFixture, type ClientFixture } from './testing/client-fixture';

const contentType = (strategy: k8s.PatchStrategy) => k8s.setHeaderOptions('Content-Type', strategy);

describe('patches, subresources and finalizers through client-node', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  it('merges a strategic merge patch into containers by name', async () => {
    await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('smp') });
    const patched = await fixture.apps.patchNamespacedDeployment(
      { name: 'smp', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }, { name: 'sidecar', image: 'envoy:1' }] } } } } },
      contentType(k8s.PatchStrategy.StrategicMergePatch),
    );
    const containers = patched.spec?.template.spec?.containers ?? [];
    expect(containers.map((container) => [container.name, container.image])).toEqual([
      ['app', 'nginx:1.28'],
      ['sidecar', 'envoy:1'],
    ]);
    expect(containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
  });

  it('honours $patch: delete in a strategic merge patch', async () => {
    const patched = await fixture.apps.patchNamespacedDeployment(
      { name: 'smp', namespace: 'default', body: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } } },
      contentType(k8s.PatchStrategy.StrategicMergePatch),
    );
    expect(patched.spec?.template.spec?.containers.map((container) => container.name)).toEqual(['app']);
  });

  it('applies JSON merge patches and JSON patches', async () => {
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'patched' }, data: { a: '1', b: '2' } } });
    const merged = await fixture.core.patchNamespacedConfigMap({ name: 'patched', namespace: 'default', body: { data: { a: null, c: '3' } } }, contentType(k8s.PatchStrategy.MergePatch));
    expect(merged.data).toEqual({ b: '2', c: '3' });
    const jsonPatched = await fixture.core.patchNamespacedConfigMap(
      { name: 'patched', namespace: 'default', body: [{ op: 'replace', path: '/data/b', value: 'two' }, { op: 'add', path: '/data/d', value: '4' }] },
      contentType(k8s.PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ b: 'two', c: '3', d: '4' });
  });

  it('answers a failing JSON patch test with 422', async () => {
    const { code } = await failure(
      fixture.core.patchNamespacedConfigMap({ name: 'patched', namespace: 'default', body: [{ op: 'test', path: '/data/b', value: 'nope' }] }, contentType(k8s.PatchStrategy.JsonPatch)),
    );
    expect(code).toBe(422);
  });

  it('bumps generation on spec changes but not on status writes, which go through the status subresource only', async () => {
    const created = await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('generations') });
    const withStatus = await fixture.apps.replaceNamespacedDeploymentStatus({
      name: 'generations',
      namespace: 'default',
      fieldManager: 'test-controller',
      body: { ...created, spec: { ...created.spec!, replicas: 9 }, status: { observedGeneration: 1, replicas: 2 } },
    });
    expect(withStatus.metadata?.generation).toBe(1);
    expect(withStatus.spec?.replicas).toBe(2);
    expect(withStatus.status).toEqual({ observedGeneration: 1, replicas: 2 });
    expect(withStatus.metadata?.managedFields?.find((entry) => entry.manager === 'test-controller')).toMatchObject({ subresource: 'status', fieldsV1: { 'f:status': { 'f:observedGeneration': {}, 'f:replicas': {} } } });

    const mainWrite = await fixture.apps.replaceNamespacedDeployment({ name: 'generations', namespace: 'default', body: { ...withStatus, spec: { ...withStatus.spec!, replicas: 3 }, status: { replicas: 99 } } });
    expect(mainWrite.metadata?.generation).toBe(2);
    expect(mainWrite.status?.replicas).toBe(2);

    const labelled = await fixture.apps.patchNamespacedDeployment({ name: 'generations', namespace: 'default', body: { metadata: { labels: { extra: 'yes' } } } }, contentType(k8s.PatchStrategy.MergePatch));
    expect(labelled.metadata?.generation).toBe(2);
  });

  it('reads and writes the scale subresource', async () => {
    await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('scaled') });
    const scale = await fixture.apps.readNamespacedDeploymentScale({ name: 'scaled', namespace: 'default' });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { selector: 'app=scaled' } });
    const rescaled = await fixture.apps.patchNamespacedDeploymentScale({ name: 'scaled', namespace: 'default', body: { spec: { replicas: 4 } } }, contentType(k8s.PatchStrategy.MergePatch));
    expect(rescaled.spec?.replicas).toBe(4);
    const updated = await fixture.apps.readNamespacedDeployment({ name: 'scaled', namespace: 'default' });
    expect(updated.spec?.replicas).toBe(4);
    expect(updated.metadata?.generation).toBe(2);
  });

  it('keeps an object with finalizers until they are removed, marking it with a deletionTimestamp', async () => {
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'guarded', finalizers: ['example.com/guard'] } } });
    await fixture.core.deleteNamespacedConfigMap({ name: 'guarded', namespace: 'default' });
    const deleting = await fixture.core.readNamespacedConfigMap({ name: 'guarded', namespace: 'default' });
    expect(deleting.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    const { code } = await failure(
      fixture.core.patchNamespacedConfigMap({ name: 'guarded', namespace: 'default', body: { metadata: { finalizers: ['example.com/guard', 'example.com/new'] } } }, contentType(k8s.PatchStrategy.MergePatch)),
    );
    expect(code).toBe(422);
    await fixture.core.patchNamespacedConfigMap({ name: 'guarded', namespace: 'default', body: { metadata: { finalizers: null } } }, contentType(k8s.PatchStrategy.MergePatch));
    expect((await failure(fixture.core.readNamespacedConfigMap({ name: 'guarded', namespace: 'default' }))).code).toBe(404);
  });

  it('deletes a collection by label selector', async () => {
    for (const name of ['bulk-1', 'bulk-2']) await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name, labels: { bulk: 'yes' } } } });
    await fixture.core.deleteCollectionNamespacedConfigMap({ namespace: 'default', labelSelector: 'bulk=yes' });
    expect((await fixture.core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'bulk=yes' })).items).toEqual([]);
  });

  it('deletes dependents with the owner and terminates a namespace with its content', async () => {
    await fixture.core.createNamespace({ body: { metadata: { name: 'doomed' } } });
    const owner = await fixture.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'owner' } } });
    await fixture.core.createNamespacedSecret({
      namespace: 'doomed',
      body: { metadata: { name: 'owned', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata!.uid! }] }, stringData: { k: 'v' } },
    });
    await fixture.core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'doomed' });
    expect((await failure(fixture.core.readNamespacedSecret({ name: 'owned', namespace: 'doomed' }))).code).toBe(404);

    await fixture.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
    await fixture.core.deleteNamespace({ name: 'doomed' });
    const terminating = await fixture.core.readNamespace({ name: 'doomed' });
    expect(terminating.status?.phase).toBe('Terminating');
    const { code, body } = await failure(fixture.core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'late' } } }));
    expect([code, body.reason]).toEqual([403, 'Forbidden']);
    await fixture.core.patchNamespacedConfigMap({ name: 'held', namespace: 'doomed', body: { metadata: { finalizers: [] } } }, contentType(k8s.PatchStrategy.MergePatch));
    expect((await failure(fixture.core.readNamespace({ name: 'doomed' }))).code).toBe(404);
  });

  it('turns Secret stringData into base64 data', async () => {
    const secret = await fixture.core.createNamespacedSecret({ namespace: 'default', body: { metadata: { name: 'creds' }, stringData: { password: 'hunter2' } } });
    expect(secret.type).toBe('Opaque');
    expect(secret.data).toEqual({ password: Buffer.from('hunter2').toString('base64') });
    expect(secret.stringData).toBeUndefined();
  });
});
