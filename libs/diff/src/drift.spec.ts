import type { JsonObject } from '@capstan/manifest';
import { detectDrift, restoredBy } from './drift';

const desired: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'web' } },
    template: {
      metadata: { labels: { app: 'web' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'shop/web:1.4.2',
            ports: [{ containerPort: 8080 }],
            env: [{ name: 'MODE', value: 'fast' }],
            resources: { limits: { cpu: '0.5', memory: '1024Mi' } },
          },
        ],
        tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'web', effect: 'NoSchedule' }],
      },
    },
  },
};

/** What the API server returns after applying `desired`: defaults filled in, quantities canonical, managed fields recorded. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests edit deep paths of plain JSON
function liveFrom(changes: (live: any) => void = () => undefined, managedFields: unknown[] = [capstanFields]): JsonObject {
  const live = JSON.parse(JSON.stringify(desired));
  live.metadata = { ...live.metadata, uid: 'u-1', resourceVersion: '42', generation: 1, creationTimestamp: '2026-11-22T10:00:00Z', managedFields };
  live.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
  live.spec.revisionHistoryLimit = 10;
  live.spec.progressDeadlineSeconds = 600;
  const container = live.spec.template.spec.containers[0];
  Object.assign(container, { imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' });
  container.ports[0].protocol = 'TCP';
  container.resources.limits = { cpu: '500m', memory: '1Gi' };
  Object.assign(live.spec.template.spec, { restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', schedulerName: 'default-scheduler', terminationGracePeriodSeconds: 30, securityContext: {} });
  live.status = { replicas: 3, readyReplicas: 3, observedGeneration: 1 };
  changes(live);
  return live;
}

const capstanFields = {
  manager: 'capstan',
  operation: 'Apply',
  time: '2026-11-22T10:00:00Z',
  fieldsV1: {
    'f:spec': {
      'f:replicas': {},
      'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:env': { 'k:{"name":"MODE"}': { '.': {}, 'f:value': {} } } } } } },
    },
  },
};

describe('drift', () => {
  it('finds none on a freshly applied object with server defaults, status and canonical quantities', () => {
    expect(detectDrift(desired, liveFrom())).toBeNull();
  });

  it('names the field, both values and the manager that changed it', () => {
    const live = liveFrom(
      (object) => {
        object.spec.template.spec.containers[0].image = 'shop/web:hotfix';
      },
      [
        { ...capstanFields, fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
        { manager: 'kubectl-edit', operation: 'Update', time: '2026-11-22T11:00:00Z', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } } },
      ],
    );
    expect(detectDrift(desired, live)).toEqual({
      object: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' },
      subject: 'Deployment/shop/web',
      deleted: false,
      fields: [{ path: 'spec.template.spec.containers[name=web].image', pointer: '/spec/template/spec/containers/0/image', desired: 'shop/web:1.4.2', live: 'shop/web:hotfix', changedBy: 'kubectl-edit' }],
    });
  });

  it('blames an autoscaler for replicas it owns, unless an ignore rule gives them to it', () => {
    const live = liveFrom(
      (object) => {
        object.spec.replicas = 7;
      },
      [capstanFields, { manager: 'hpa-controller', operation: 'Update', time: '2026-11-22T11:00:00Z', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
    );
    expect(detectDrift(desired, live)?.fields).toEqual([expect.objectContaining({ path: 'spec.replicas', desired: 3, live: 7, changedBy: 'hpa-controller' })]);
    expect(detectDrift(desired, live, { ignore: [{ jsonPointer: '/spec/replicas', kind: 'Deployment' }] })).toBeNull();
    expect(detectDrift(desired, live, { ignore: [{ jsonPointer: '/spec/replicas', kind: 'StatefulSet' }] })).not.toBeNull();
  });

  it('reports a desired field that is gone, blaming the last writer', () => {
    const live = liveFrom(
      (object) => {
        object.spec.template.spec.containers[0].env = [];
      },
      [capstanFields, { manager: 'kubectl-client-side-apply', operation: 'Update', time: '2026-11-22T12:00:00Z', fieldsV1: { 'f:metadata': {} } }],
    );
    expect(detectDrift(desired, live)?.fields).toEqual([
      { path: 'spec.template.spec.containers[name=web].env[name=MODE]', pointer: '/spec/template/spec/containers/0/env/0', desired: { name: 'MODE', value: 'fast' }, live: undefined, changedBy: 'kubectl-client-side-apply' },
    ]);
  });

  it('reports a deleted object', () => {
    expect(detectDrift(desired, null)).toMatchObject({ subject: 'Deployment/shop/web', deleted: true, fields: [] });
  });

  it('matches list items by merge key, whatever their order, and ignores items others added', () => {
    const live = liveFrom((object) => {
      const containers = object.spec.template.spec.containers;
      containers.unshift({ name: 'istio-proxy', image: 'istio/proxyv2:1.24' });
      containers[1].env.push({ name: 'INJECTED', value: 'by-webhook' });
    });
    expect(detectDrift(desired, live)).toBeNull();
  });

  it('treats a list without merge key as one value', () => {
    const live = liveFrom((object) => {
      object.spec.template.spec.tolerations[0].value = 'batch';
    });
    expect(detectDrift(desired, live)?.fields.map((field) => field.path)).toEqual(['spec.template.spec.tolerations']);
  });

  it('sees a real change of a quantity and a number written as a string as the same value', () => {
    const stringPort = JSON.parse(JSON.stringify(desired));
    stringPort.spec.template.spec.containers[0].ports[0].containerPort = '8080';
    expect(detectDrift(stringPort, liveFrom())).toBeNull();
    const live = liveFrom((object) => {
      object.spec.template.spec.containers[0].resources.limits.memory = '2Gi';
    });
    expect(detectDrift(desired, live)?.fields).toEqual([expect.objectContaining({ path: 'spec.template.spec.containers[name=web].resources.limits.memory', desired: '1024Mi', live: '2Gi' })]);
  });

  it('reports a label removed from the object', () => {
    const live = liveFrom((object) => {
      delete object.metadata.labels.app;
    });
    expect(detectDrift(desired, live)?.fields.map((field) => field.pointer)).toEqual(['/metadata/labels/app']);
  });
});

describe('who ended a drift', () => {
  const imageOwnedBy = (manager: string, operation: string, time: string) => ({
    manager,
    operation,
    time,
    fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { 'f:image': {} } } } } } },
  });
  const capstanWithoutImage = { ...capstanFields, fieldsV1: { 'f:spec': { 'f:replicas': {} } } };
  const drifted = detectDrift(
    desired,
    liveFrom(
      (object) => {
        object.spec.template.spec.containers[0].image = 'shop/web:hotfix';
      },
      [capstanWithoutImage, imageOwnedBy('kubectl-edit', 'Update', '2026-11-22T11:00:00Z')],
    ),
  );

  it('names Capstan when its apply took the drifted fields back', () => {
    if (!drifted) throw new Error('expected drift');
    expect(restoredBy(desired, liveFrom(), drifted)).toBe('capstan');
  });

  it('names whoever set the drifted fields back by hand', () => {
    if (!drifted) throw new Error('expected drift');
    const revertedByHand = liveFrom(() => undefined, [capstanWithoutImage, imageOwnedBy('kubectl-edit', 'Update', '2026-11-22T12:00:00Z')]);
    expect(detectDrift(desired, revertedByHand)).toBeNull();
    expect(restoredBy(desired, revertedByHand, drifted)).toBe('kubectl-edit');
  });

  it('names Capstan when git no longer sets the field, or an ignore rule now gives it away', () => {
    if (!drifted) throw new Error('expected drift');
    const live = liveFrom(
      (object) => {
        object.spec.template.spec.containers[0].image = 'shop/web:hotfix';
      },
      [capstanWithoutImage, imageOwnedBy('kubectl-edit', 'Update', '2026-11-22T11:00:00Z')],
    );
    const withoutImage = JSON.parse(JSON.stringify(desired));
    delete withoutImage.spec.template.spec.containers[0].image;
    expect(detectDrift(withoutImage, live)).toBeNull();
    expect(restoredBy(withoutImage, live, drifted)).toBe('capstan');
    const ignore = [{ jsonPointer: '/spec/template/spec/containers/0/image' }];
    expect(detectDrift(desired, live, { ignore })).toBeNull();
    expect(restoredBy(desired, live, drifted, { ignore })).toBe('capstan');
  });

  it('names the creator of a deleted object that came back, leaving status writers aside', () => {
    const deleted = detectDrift(desired, null);
    if (!deleted) throw new Error('expected drift');
    const createdByHand = liveFrom(() => undefined, [
      { manager: 'kube-controller-manager', operation: 'Update', subresource: 'status', time: '2026-11-22T09:00:00Z', fieldsV1: { 'f:status': {} } },
      { manager: 'kubectl-create', operation: 'Update', time: '2026-11-22T10:00:00Z', fieldsV1: { 'f:spec': {} } },
      { manager: 'capstan', operation: 'Apply', time: '2026-11-22T10:05:00Z', fieldsV1: { 'f:spec': {} } },
    ]);
    expect(restoredBy(desired, createdByHand, deleted)).toBe('kubectl-create');
    expect(restoredBy(desired, liveFrom(), deleted)).toBe('capstan');
  });
});
