import * as k8s from '@kubernetes/client-node';
import { deployment, failure, startFixture, type ClientFixture } from './testing/client-fixture';

const apply = (fixture: ClientFixture, manifest: any, manager = 'capstan', force = false) =>
  fixture.objects.patch(manifest, undefined, undefined, manager, force, k8s.PatchStrategy.ServerSideApply) as Promise<any>;

const managerEntries = (object: any) => (object.metadata.managedFields ?? []).map((entry: any) => `${entry.manager}/${entry.operation}${entry.subresource ? `/${entry.subresource}` : ''}`);

describe('server-side apply through client-node', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  it('creates an object and records the applied fields in FieldsV1 form', async () => {
    const created = await apply(fixture, deployment('ssa-create'));
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.managedFields).toEqual([
      {
        manager: 'capstan',
        operation: 'Apply',
        apiVersion: 'apps/v1',
        time: expect.any(Date),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:replicas': {},
            'f:selector': {},
            'f:template': {
              'f:metadata': { 'f:labels': { 'f:app': {} } },
              'f:spec': {
                'f:containers': {
                  'k:{"name":"app"}': {
                    '.': {},
                    'f:image': {},
                    'f:name': {},
                    'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
                  },
                },
              },
            },
          },
        },
      },
    ]);
  });

  it('changes nothing, not even the resourceVersion, when the same configuration is applied again', async () => {
    const first = await apply(fixture, deployment('ssa-idempotent'));
    const second = await apply(fixture, deployment('ssa-idempotent'));
    expect(second.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
  });

  it('removes a field the manager stopped applying and nobody else owns', async () => {
    await apply(fixture, { ...deployment('ssa-prune'), metadata: { name: 'ssa-prune', namespace: 'default', labels: { app: 'ssa-prune', extra: 'yes' } } });
    const updated = await apply(fixture, deployment('ssa-prune'));
    expect(updated.metadata.labels).toEqual({ app: 'ssa-prune' });
  });

  it('refuses an apply that takes a field owned by another manager with a different value', async () => {
    await apply(fixture, deployment('ssa-conflict'));
    await fixture.cluster.editObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ssa-conflict', namespace: 'default' }, { spec: { replicas: 5 } });
    const { code, body } = await failure(apply(fixture, deployment('ssa-conflict')));
    expect(code).toBe(409);
    expect(body).toMatchObject({
      kind: 'Status',
      reason: 'Conflict',
      message: 'Apply failed with 1 conflict: conflict with "kubectl-edit" using apps/v1: .spec.replicas',
      details: { causes: [{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using apps/v1', field: '.spec.replicas' }] },
    });
  });

  it('takes the field over when forced, moving ownership to the applier', async () => {
    await apply(fixture, deployment('ssa-force'));
    const edited = await fixture.cluster.editObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'ssa-force', namespace: 'default' }, { spec: { replicas: 5 } });
    expect(managerEntries(edited)).toEqual(['capstan/Apply', 'kubectl-edit/Update']);
    const forced = await apply(fixture, deployment('ssa-force'), 'capstan', true);
    expect(forced.spec.replicas).toBe(2);
    expect(managerEntries(forced)).toEqual(['capstan/Apply']);
    expect(forced.metadata.managedFields[0].fieldsV1['f:spec']['f:replicas']).toEqual({});
  });

  it('shares ownership without conflict when two appliers set the same value', async () => {
    await apply(fixture, deployment('ssa-shared'));
    const shared = await apply(fixture, deployment('ssa-shared'), 'other');
    expect(managerEntries(shared)).toEqual(['capstan/Apply', 'other/Apply']);
  });

  it('keeps a field another manager still owns when the applier drops it', async () => {
    await apply(fixture, { ...deployment('ssa-keep'), metadata: { name: 'ssa-keep', namespace: 'default', labels: { app: 'ssa-keep', team: 'a' } } });
    await apply(fixture, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-keep', namespace: 'default', labels: { team: 'a' } } }, 'other');
    const updated = await apply(fixture, deployment('ssa-keep'));
    expect(updated.metadata.labels).toEqual({ app: 'ssa-keep', team: 'a' });
  });

  it('records Update-operation managers for writes that are not applies', async () => {
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', fieldManager: 'kubectl-create', body: { metadata: { name: 'ssa-update' }, data: { a: '1' } } });
    const patched = await fixture.core.patchNamespacedConfigMap(
      { name: 'ssa-update', namespace: 'default', fieldManager: 'kubectl-client-side-apply', body: { data: { b: '2' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(patched.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation, entry.fieldsV1])).toEqual([
      ['kubectl-client-side-apply', 'Update', { 'f:data': { 'f:b': {} } }],
      ['kubectl-create', 'Update', { 'f:data': { '.': {}, 'f:a': {} } }],
    ]);
  });

  it('does not record server-set defaults as owned by the applier', async () => {
    const created = await apply(fixture, deployment('ssa-defaults'));
    expect(created.spec.progressDeadlineSeconds).toBe(600);
    expect(created.metadata.managedFields[0].fieldsV1['f:spec']['f:progressDeadlineSeconds']).toBeUndefined();
  });

  it('merges containers by name in an apply, keeping containers another manager added', async () => {
    await apply(fixture, deployment('ssa-containers'));
    await fixture.cluster.editObject(
      { apiVersion: 'apps/v1', kind: 'Deployment', name: 'ssa-containers', namespace: 'default' },
      { spec: { template: { spec: { containers: [{ name: 'sidecar', image: 'envoy:1' }] } } } },
    );
    const applied = await apply(fixture, deployment('ssa-containers', 'nginx:1.28'));
    expect(applied.spec.template.spec.containers.map((container: any) => `${container.name}=${container.image}`)).toEqual(['app=nginx:1.28', 'sidecar=envoy:1']);
  });

  it('requires a field manager for an apply', async () => {
    const response = await fetch(`${fixture.server.clusterUrl('test')}/api/v1/namespaces/default/configmaps/no-manager`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'no-manager' } }),
    });
    expect(response.status).toBe(400);
  });

  it('accepts YAML apply bodies', async () => {
    const response = await fetch(`${fixture.server.clusterUrl('test')}/api/v1/namespaces/default/configmaps/from-yaml?fieldManager=yaml`, {
      method: 'PATCH',
      headers: { 'Content-Type': 'application/apply-patch+yaml' },
      body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  key: value\n',
    });
    expect(response.status).toBe(201);
    expect(fixture.cluster.findObject({ apiVersion: 'v1', kind: 'ConfigMap', name: 'from-yaml', namespace: 'default' })?.data).toEqual({ key: 'value' });
  });
});
