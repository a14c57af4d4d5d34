import * as k8s from '@kubernetes/client-node';
import { KubeSimServer } from './server';
import { startFixture, type ClientFixture } from './testing/client-fixture';

interface Seen {
  type: string;
  name?: string;
  resourceVersion?: string;
}

/** Watches `path` until `count` events arrived (or the stream ended) and returns them. */
async function collect(config: k8s.KubeConfig, path: string, query: Record<string, string | number | boolean | undefined>, count: number, trigger: () => Promise<unknown> = async () => undefined): Promise<Seen[]> {
  const seen: Seen[] = [];
  let request: AbortController | undefined;
  const done = new Promise<void>((resolve, reject) => {
    void new k8s.Watch(config)
      .watch(
        path,
        query,
        (type, object) => {
          seen.push({ type, name: object?.metadata?.name, resourceVersion: object?.metadata?.resourceVersion });
          if (seen.length >= count) resolve();
        },
        (error) => (error ? reject(error) : resolve()),
      )
      .then((controller) => {
        request = controller;
        return trigger();
      });
  });
  await done;
  request?.abort();
  return seen;
}

describe('watch through client-node', () => {
  let fixture: ClientFixture;
  beforeAll(async () => {
    fixture = await startFixture();
  });
  afterAll(() => fixture.server.stop());

  it('streams ADDED, MODIFIED and DELETED for changes after the resourceVersion of a list', async () => {
    const list = await fixture.core.listNamespacedConfigMap({ namespace: 'default' });
    const events = await collect(fixture.config, '/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion }, 3, async () => {
      await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'watched' } } });
      await fixture.core.patchNamespacedConfigMap({ name: 'watched', namespace: 'default', body: { data: { a: '1' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
      await fixture.core.deleteNamespacedConfigMap({ name: 'watched', namespace: 'default' });
    });
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    const versions = events.map((event) => Number(event.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
  });

  it('resumes from a resourceVersion, replaying what happened since', async () => {
    const first = await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'resume-1', labels: { resume: 'yes' } } } });
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'resume-2', labels: { resume: 'yes' } } } });
    const events = await collect(fixture.config, '/api/v1/namespaces/default/configmaps', { resourceVersion: first.metadata?.resourceVersion, labelSelector: 'resume=yes' }, 1);
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED resume-2']);
  });

  it('can lose the events of some writes, as a faulty watch does, while the writes stand', async () => {
    const list = await fixture.core.listNamespacedConfigMap({ namespace: 'default' });
    const events = await collect(fixture.config, '/api/v1/namespaces/default/configmaps', { resourceVersion: list.metadata?.resourceVersion }, 1, async () => {
      fixture.cluster.store.withoutEvents(() => fixture.cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'unseen', namespace: 'default' } }));
      await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'seen' } } });
    });
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED seen']);
    expect((await fixture.core.readNamespacedConfigMap({ name: 'unseen', namespace: 'default' })).metadata?.name).toBe('unseen');
  });

  it('starts with the current objects as ADDED when no resourceVersion is given', async () => {
    const events = await collect(fixture.config, '/api/v1/namespaces/default/configmaps', { labelSelector: 'resume=yes' }, 2);
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual(['ADDED resume-1', 'ADDED resume-2']);
  });

  it('reports an object leaving the label selector as DELETED', async () => {
    const created = await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'leaving', labels: { stay: 'yes' } } } });
    const events = await collect(fixture.config, '/api/v1/namespaces/default/configmaps', { resourceVersion: created.metadata?.resourceVersion, labelSelector: 'stay=yes' }, 1, () =>
      fixture.core.patchNamespacedConfigMap({ name: 'leaving', namespace: 'default', body: { metadata: { labels: { stay: 'no' } } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)),
    );
    expect(events.map((event) => `${event.type} ${event.name}`)).toEqual(['DELETED leaving']);
  });

  it('sends bookmarks when the client allows them', async () => {
    const server = new KubeSimServer({ controllers: false, bookmarkIntervalMs: 10 });
    await server.start(0);
    server.addCluster('bookmarks');
    const config = new k8s.KubeConfig();
    config.loadFromString(server.kubeconfig());
    const events = await collect(config, '/api/v1/namespaces/default/configmaps', { resourceVersion: '1', allowWatchBookmarks: true }, 1);
    expect(events[0].type).toBe('BOOKMARK');
    await server.stop();
  });

  it('answers a resourceVersion older than the kept history with a 410 ERROR event', async () => {
    const server = new KubeSimServer({ controllers: false, historySize: 2 });
    await server.start(0);
    const cluster = server.addCluster('short-history');
    for (let i = 0; i < 5; i++) cluster.createObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c${i}`, namespace: 'default' } });
    const config = new k8s.KubeConfig();
    config.loadFromString(server.kubeconfig());
    const seen: Array<{ type: string; object: any }> = [];
    await new Promise<void>((resolve) => {
      void new k8s.Watch(config).watch('/api/v1/namespaces/default/configmaps', { resourceVersion: '1' }, (type, object) => seen.push({ type, object }), () => resolve());
    });
    expect(seen).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
    await server.stop();
  });

  it('feeds a client-node informer that sees later changes', async () => {
    const informer = k8s.makeInformer(fixture.config, '/api/v1/namespaces/default/configmaps', () => fixture.core.listNamespacedConfigMap({ namespace: 'default' }));
    const added = new Promise<string>((resolve) => informer.on('add', (object) => object.metadata?.name === 'informed' && resolve(object.metadata.name)));
    await informer.start();
    await fixture.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'informed' } } });
    expect(await added).toBe('informed');
    await informer.stop();
  });
});
