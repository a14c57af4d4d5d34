import * as k8s from '@kubernetes/client-node';
import { failure, startFixture, type ClientFixture } from './testing/client-fixture';

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wg'], categories: ['all'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: {
                  size: { type: 'integer', default: 1 },
                  ports: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'], items: { type: 'object', properties: { name: { type: 'string' }, port: { type: 'integer' } } } },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec });

describe('custom resources through client-node', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  it('serves a kind once its CRD is created, with the Established condition', async () => {
    // Through the raw API: KubernetesObjectApi re-serializes known kinds with its camelCase models
    // and drops `x-kubernetes-*` and `default` keys written in manifest (JSON) spelling.
    const created: any = await fetch(`${fixture.server.clusterUrl('test')}/apis/apiextensions.k8s.io/v1/customresourcedefinitions`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(widgetCrd),
    }).then((response) => response.json());
    expect(created.status.conditions).toEqual(
      expect.arrayContaining([expect.objectContaining({ type: 'Established', status: 'True' }), expect.objectContaining({ type: 'NamesAccepted', status: 'True' })]),
    );
    const resources = await fetch(`${fixture.server.clusterUrl('test')}/apis/example.com/v1`).then((response) => response.json() as Promise<any>);
    expect(resources.resources).toEqual([
      expect.objectContaining({ name: 'widgets', kind: 'Widget', namespaced: true, shortNames: ['wg'], categories: ['all'] }),
      expect.objectContaining({ name: 'widgets/status', verbs: ['get', 'patch', 'update'] }),
    ]);
  });

  it('prunes unknown fields and fills schema defaults on custom resources', async () => {
    const created: any = await fixture.objects.create(widget('pruned', { unknown: true, ports: [] }));
    expect(created.spec).toEqual({ size: 1, ports: [] });
  });

  it('merges list-map fields of custom resources by their keys in an apply', async () => {
    await fixture.objects.patch(widget('mapped', { ports: [{ name: 'http', port: 80 }] }) as any, undefined, undefined, 'a', false, k8s.PatchStrategy.ServerSideApply);
    const merged: any = await fixture.objects.patch(widget('mapped', { ports: [{ name: 'metrics', port: 9090 }] }) as any, undefined, undefined, 'b', false, k8s.PatchStrategy.ServerSideApply);
    expect(merged.spec.ports).toEqual([
      { name: 'http', port: 80 },
      { name: 'metrics', port: 9090 },
    ]);
  });

  it('refuses a strategic merge patch on a custom resource with 415', async () => {
    const { code } = await failure(
      fixture.custom.patchNamespacedCustomObject(
        { group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'pruned', body: { spec: { size: 2 } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch),
      ),
    );
    expect(code).toBe(415);
  });

  it('writes custom resource status only through the status subresource', async () => {
    const ignored: any = await fixture.custom.patchNamespacedCustomObject(
      { group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'pruned', body: { status: { ready: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(ignored.status).toBeUndefined();
    const written: any = await fixture.custom.patchNamespacedCustomObjectStatus(
      { group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets', name: 'pruned', body: { status: { ready: true } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    expect(written.status).toEqual({ ready: true });
    expect(written.metadata.generation).toBe(1);
  });

  it('keeps apiVersion and kind on custom resource list items', async () => {
    const list: any = await fixture.custom.listNamespacedCustomObject({ group: 'example.com', version: 'v1', namespace: 'default', plural: 'widgets' });
    expect(list.items[0]).toMatchObject({ apiVersion: 'example.com/v1', kind: 'Widget' });
  });

  it('stops serving the kind and drops its objects when the CRD is deleted', async () => {
    await fixture.objects.delete({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'widgets.example.com' } });
    const response = await fetch(`${fixture.server.clusterUrl('test')}/apis/example.com/v1/namespaces/default/widgets`);
    expect(response.status).toBe(404);
    const groups = await fetch(`${fixture.server.clusterUrl('test')}/apis`).then((reply) => reply.json() as Promise<any>);
    expect(groups.groups.map((group: any) => group.name)).not.toContain('example.com');
  });

  it('refuses a CRD whose name is not plural.group', async () => {
    const { code, body } = await failure(fixture.objects.create({ ...widgetCrd, metadata: { name: 'wrong.example.com' } } as any));
    expect(code).toBe(422);
    expect(body.details.causes[0].field).toBe('metadata.name');
  });
});
