import * as k8s from '@kubernetes/client-node';
import { deployment, failure, startFixture, type ClientFixture } from './testing/client-fixture';

describe('object lifecycle through client-node', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  it('creates, reads, replaces and deletes a ConfigMap with server-set metadata', async () => {
    const created = await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings' }, data: { a: '1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(created.metadata?.managedFields?.[0]).toMatchObject({ operation: 'Update', fieldsType: 'FieldsV1' });

    const read = await fixture.core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });

    const replaced = await fixture.core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...read, data: { a: '2' } } });
    expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(read.metadata?.resourceVersion));
    expect(replaced.metadata?.uid).toBe(created.metadata?.uid);

    await fixture.core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    expect((await failure(fixture.core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' }))).code).toBe(404);
  });

  it('refuses a replace based on a stale resourceVersion with 409 Conflict', async () => {
    const created = await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'contended' }, data: { a: '1' } } });
    await fixture.core.replaceNamespacedConfigMap({ name: 'contended', namespace: 'default', body: { ...created, data: { a: '2' } } });
    const { code, body } = await failure(fixture.core.replaceNamespacedConfigMap({ name: 'contended', namespace: 'default', body: { ...created, data: { a: '3' } } }));
    expect(code).toBe(409);
    expect(body).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Conflict',
      code: 409,
      details: { name: 'contended', kind: 'configmaps' },
      message: 'Operation cannot be fulfilled on configmaps "contended": the object has been modified; please apply your changes to the latest version and try again',
    });
  });

  it('answers a duplicate create with 409 AlreadyExists naming the group and resource', async () => {
    await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('twice') });
    const { code, body } = await failure(fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('twice') }));
    expect(code).toBe(409);
    expect(body).toMatchObject({ reason: 'AlreadyExists', message: 'deployments.apps "twice" already exists', details: { name: 'twice', group: 'apps', kind: 'deployments' } });
  });

  it('refuses content in a namespace that does not exist', async () => {
    const { code, body } = await failure(fixture.core.createNamespacedConfigMap({ namespace: 'missing', body: { metadata: { name: 'x' } } }));
    expect(code).toBe(404);
    expect(body).toMatchObject({ reason: 'NotFound', message: 'namespaces "missing" not found', details: { name: 'missing', kind: 'namespaces' } });
  });

  it('answers an invalid name and label value with 422 Invalid and one cause each', async () => {
    const { code, body } = await failure(
      fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name', labels: { tier: 'not ok!' } } } }),
    );
    expect(code).toBe(422);
    expect(body.reason).toBe('Invalid');
    expect(body.details.kind).toBe('ConfigMap');
    expect(body.details.causes).toEqual([
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.name' }),
      expect.objectContaining({ reason: 'FieldValueInvalid', field: 'metadata.labels' }),
    ]);
    expect(body.message).toMatch(/^ConfigMap "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it('answers a missing name with 422 Required', async () => {
    const { code, body } = await failure(fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {} } }));
    expect(code).toBe(422);
    expect(body.details.causes).toEqual([{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
  });

  it('names objects from generateName', async () => {
    const created = await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'job-' } } });
    expect(created.metadata?.name).toMatch(/^job-[a-z0-9]{5}$/);
  });

  it('fills in the defaults a real API server sets on Deployments and their pod templates', async () => {
    const created = await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('defaults', 'nginx') });
    expect(created.metadata?.generation).toBe(1);
    expect(created.spec).toMatchObject({
      replicas: 2,
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    });
    expect(created.spec?.template.spec).toMatchObject({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
    expect(created.spec?.template.spec?.containers[0]).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      resources: {},
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
  });

  it('allocates a cluster IP and defaults the Service networking fields', async () => {
    const service = await fixture.core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } },
    });
    expect(service.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      internalTrafficPolicy: 'Cluster',
      ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }],
    });
    expect(service.spec?.clusterIP).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(service.spec?.clusterIPs).toEqual([service.spec?.clusterIP]);
  });

  it('lists by equality and set-based label selectors and by metadata field selectors', async () => {
    for (const [name, tier] of [['a', 'web'], ['b', 'db'], ['c', 'cache']]) {
      await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `sel-${name}`, labels: { group: 'sel', tier } } } });
    }
    const names = async (labelSelector?: string, fieldSelector?: string) =>
      (await fixture.core.listNamespacedConfigMap({ namespace: 'default', labelSelector, fieldSelector })).items.map((item) => item.metadata?.name);
    expect(await names('group=sel,tier!=db')).toEqual(['sel-a', 'sel-c']);
    expect(await names('group=sel,tier in (db,cache)')).toEqual(['sel-b', 'sel-c']);
    expect(await names('group=sel,!missing')).toEqual(['sel-a', 'sel-b', 'sel-c']);
    expect(await names(undefined, 'metadata.name=sel-b')).toEqual(['sel-b']);
    const { code, body } = await failure(fixture.core.listNamespacedConfigMap({ namespace: 'default', fieldSelector: 'data.a=1' }));
    expect(code).toBe(400);
    expect(body.reason).toBe('BadRequest');
  });

  it('lists across namespaces with a namespace field selector', async () => {
    await fixture.core.createNamespace({ body: { metadata: { name: 'other' } } });
    await fixture.core.createNamespacedConfigMap({ namespace: 'other', body: { metadata: { name: 'elsewhere' } } });
    const list = await fixture.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.namespace=other' });
    expect(list.items.map((item) => item.metadata?.name)).toEqual(['elsewhere']);
  });

  it('pages a list with limit and continue, telling how many items remain', async () => {
    for (let i = 0; i < 5; i++) await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: `page-${i}`, labels: { paged: 'yes' } } } });
    const first = await fixture.core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'paged', limit: 2 });
    expect(first.items.map((item) => item.metadata?.name)).toEqual(['page-0', 'page-1']);
    expect(first.metadata?.remainingItemCount).toBe(3);
    const second = await fixture.core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'paged', limit: 2, _continue: first.metadata?._continue });
    expect(second.items.map((item) => item.metadata?.name)).toEqual(['page-2', 'page-3']);
    expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion);
    const last = await fixture.core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'paged', limit: 2, _continue: second.metadata?._continue });
    expect(last.items.map((item) => item.metadata?.name)).toEqual(['page-4']);
    expect(last.metadata?._continue).toBeUndefined();
  });

  it('leaves built-in list items without apiVersion and kind, as a real server does', async () => {
    const raw = await fetch(`${fixture.server.clusterUrl('test')}/api/v1/namespaces/default/configmaps`).then((response) => response.json() as Promise<{ kind: string; items: Array<{ kind?: string }> }>);
    expect(raw.kind).toBe('ConfigMapList');
    expect(raw.items[0].kind).toBeUndefined();
  });

  it('writes nothing for dryRun=All creates, updates, patches and deletes', async () => {
    const before = fixture.cluster.store.currentRevision();
    const dryRun = 'All';
    const created = await fixture.core.createNamespacedConfigMap({ namespace: 'default', dryRun, body: { metadata: { name: 'dry' }, data: { a: '1' } } });
    expect(created.metadata?.uid).toBeDefined();
    expect((await failure(fixture.core.readNamespacedConfigMap({ name: 'dry', namespace: 'default' }))).code).toBe(404);
    const applied = await fixture.objects.patch(deployment('dry-apply'), undefined, dryRun, 'capstan', true, k8s.PatchStrategy.ServerSideApply);
    expect(applied.metadata?.managedFields?.[0]).toMatchObject({ manager: 'capstan', operation: 'Apply' });
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'kept' } } });
    const afterCreate = fixture.cluster.store.currentRevision();
    await fixture.core.patchNamespacedConfigMap({ name: 'kept', namespace: 'default', dryRun, body: { data: { b: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    await fixture.core.deleteNamespacedConfigMap({ name: 'kept', namespace: 'default', dryRun });
    expect(fixture.cluster.store.currentRevision()).toBe(afterCreate);
    expect(afterCreate).toBe(before + 1);
  });

  it('answers unknown paths and resources with a 404 Status', async () => {
    const response = await fetch(`${fixture.server.clusterUrl('test')}/apis/example.com/v1/widgets`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});
