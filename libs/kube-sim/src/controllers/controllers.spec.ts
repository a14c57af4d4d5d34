import { deployment, eventually, startFixture, type ClientFixture } from '../testing/client-fixture';

describe('simulated controllers', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture({ controllers: { readyDelayMs: 20, progressDeadlineMs: 60, jobDurationMs: 20, brokenImagePattern: /broken/ } });
  });
  afterAll(() => fixture.server.stop());

  const condition = (status: any, type: string) => status?.conditions?.find((entry: any) => entry.type === type);

  it('rolls a Deployment out: observed, then all replicas available, with its own field manager on status', async () => {
    await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('rolled') });
    const done = await eventually(
      () => fixture.apps.readNamespacedDeployment({ name: 'rolled', namespace: 'default' }),
      (current) => current.status?.availableReplicas === 2,
    );
    expect(done.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2 });
    expect(condition(done.status, 'Available')).toMatchObject({ status: 'True', reason: 'MinimumReplicasAvailable' });
    expect(condition(done.status, 'Progressing')).toMatchObject({ status: 'True', reason: 'NewReplicaSetAvailable' });
    expect(done.metadata?.managedFields?.find((entry) => entry.subresource === 'status')).toMatchObject({ manager: 'kube-controller-manager', operation: 'Update' });
    expect(done.metadata?.generation).toBe(1);
  });

  it('never makes a broken image available and reports ProgressDeadlineExceeded', async () => {
    await fixture.apps.createNamespacedDeployment({ namespace: 'default', body: deployment('failing', 'registry.example/broken:1') });
    const failed = await eventually(
      () => fixture.apps.readNamespacedDeployment({ name: 'failing', namespace: 'default' }),
      (current) => condition(current.status, 'Progressing')?.reason === 'ProgressDeadlineExceeded',
    );
    expect(failed.status?.availableReplicas).toBeUndefined();
    expect(failed.status?.unavailableReplicas).toBe(2);
    expect(condition(failed.status, 'Available')).toMatchObject({ status: 'False' });
  });

  it('completes Jobs', async () => {
    await fixture.cluster.createObject({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'once', namespace: 'default' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'run', image: 'busybox:1' }] } } },
    });
    const job = await eventually(
      () => fixture.cluster.findObject({ apiVersion: 'batch/v1', kind: 'Job', name: 'once', namespace: 'default' }),
      (current: any) => current.status?.succeeded === 1,
    );
    expect(condition(job?.status, 'Complete')).toMatchObject({ status: 'True' });
  });

  it('gives LoadBalancer Services an ingress IP', async () => {
    await fixture.core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'public' }, spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80 }] } } });
    const service = await eventually(
      () => fixture.core.readNamespacedService({ name: 'public', namespace: 'default' }),
      (current) => (current.status?.loadBalancer?.ingress?.length ?? 0) > 0,
    );
    expect(service.status?.loadBalancer?.ingress?.[0].ip).toMatch(/^172\.18\.\d+\.\d+$/);
    expect(service.spec?.ports?.[0].nodePort).toBeGreaterThanOrEqual(30000);
  });

  it('gives new namespaces their default ServiceAccount', async () => {
    await fixture.core.createNamespace({ body: { metadata: { name: 'fresh' } } });
    const account = await eventually(
      () => fixture.core.listNamespacedServiceAccount({ namespace: 'fresh' }),
      (list) => list.items.length > 0,
    );
    expect(account.items[0].metadata?.name).toBe('default');
  });
});
