import { create } from '@bufbuild/protobuf';
import type { ObjectDrift } from '@capstan/diff';
import type { JsonObject } from '@capstan/manifest';
import { applyAll, applyAllStaged } from '@capstan/kube';
import { ApplicationDesiredStateSchema, SyncState } from '@capstan/proto';
import { ApplicationState } from './application-state';
import { Monitor } from './monitor';
import { startTestCluster, type TestCluster, until } from './testing/simulated-cluster';

const web: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'shop/web:1.0' }] } } },
};
const settings: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode: 'fast' } };
const widget: JsonObject = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'blue', namespace: 'default' }, spec: { colour: 'blue' } };
const widgets: JsonObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget', listKind: 'WidgetList' },
    scope: 'Namespaced',
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { colour: { type: 'string' } } } } } } }],
  },
};
const settingsRef = { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings', namespace: 'default' };

describe('the watch reconciler', () => {
  let test: TestCluster;
  let state: ApplicationState;
  let monitor: Monitor;
  const drifts: ObjectDrift[] = [];
  const resolutions: Array<[string, string]> = [];
  let changes = 0;
  const health = (name: string) => [...state.objects.values()].find((object) => object.id.name === name)?.health;
  const object = (name: string) => [...state.objects.values()].find((candidate) => candidate.id.name === name);

  beforeAll(async () => {
    test = await startTestCluster({ readyDelayMs: 300 });
    state = new ApplicationState(create(ApplicationDesiredStateSchema, { application: 'shop', revision: 'r1', ignoreRules: [{ jsonPointer: '/spec/replicas', kind: 'Deployment' }] }));
    state.setObjects([web, settings], 'r1');
    monitor = new Monitor(test.resources, () => [state], {
      drifted: (_state, _object, drift) => drifts.push(drift),
      resolved: (_state, resolved, restoredBy) => resolutions.push([resolved.id.name, restoredBy]),
      changed: () => changes++,
    }, { initialMs: 20, maxMs: 200 });
    state.recordApply(await applyAllStaged(test.resources, [web, settings]));
    monitor.watchAll();
  });
  afterAll(async () => {
    monitor.stop();
    await test.server.stop();
  });

  it('follows a Deployment from Progressing to Healthy through watch events alone', async () => {
    await monitor.readBack(state);
    expect(health('web')?.status).toBe('Progressing');
    await until(() => health('web')?.status === 'Healthy');
    expect(state.health.status).toBe('Healthy');
    expect(drifts).toEqual([]);
  });

  it('reports a drift once, then its end, naming who put the object back, and a later drift anew', async () => {
    test.cluster.editObject(settingsRef, { data: { mode: 'hand-edited' } });
    await until(() => drifts.length === 1);
    expect(drifts[0].fields).toEqual([expect.objectContaining({ path: 'data.mode', live: 'hand-edited', changedBy: 'kubectl-edit' })]);
    expect(object('settings')?.sync).toBe(SyncState.OUT_OF_SYNC);
    expect(state.sync).toBe(SyncState.OUT_OF_SYNC);
    test.cluster.editObject(settingsRef, { metadata: { labels: { unrelated: 'change' } } });
    await monitor.readBack(state);
    expect(drifts).toHaveLength(1);

    test.cluster.editObject(settingsRef, { data: { mode: 'fast' } });
    await until(() => resolutions.length === 1);
    expect(resolutions).toEqual([['settings', 'kubectl-edit']]);
    expect(state.sync).toBe(SyncState.SYNCED);

    test.cluster.editObject(settingsRef, { data: { mode: 'hand-edited' } });
    await until(() => drifts.length === 2);
    await applyAll(test.resources, [settings]);
    await until(() => resolutions.length === 2);
    expect(resolutions[1]).toEqual(['settings', 'capstan']);
  });

  it('reports a deleted object, and who created it again', async () => {
    test.cluster.deleteObject(settingsRef);
    await until(() => drifts.length === 3);
    expect(drifts[2]).toMatchObject({ subject: 'ConfigMap/default/settings', deleted: true });
    expect(health('settings')?.status).toBe('Missing');
    test.cluster.createObject(settings, { fieldManager: 'kubectl-create' });
    await until(() => resolutions.length === 3);
    expect(resolutions[2]).toEqual(['settings', 'kubectl-create']);
  });

  it('leaves alone what ignore rules give away', async () => {
    test.cluster.editObject({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', namespace: 'default' }, { spec: { replicas: 5 } }, { fieldManager: 'hpa-controller' });
    const drifted = await monitor.readBack(state);
    expect(drifted).toEqual([]);
    expect(drifts).toHaveLength(3);
  });

  it('takes a failed read for what it is, never for a deletion: health unknown, drift untouched', async () => {
    const changesBefore = changes;
    let result: Awaited<ReturnType<Monitor['readBack']>> | undefined;
    const port = Number(new URL(test.server.url).port);
    await test.server.stop();
    try {
      result = await monitor.readBack(state);
    } finally {
      await test.server.start(port);
    }
    expect(result).toBeNull();
    expect(health('settings')).toEqual({ status: 'Unknown', message: expect.stringMatching(/^could not be read: request to http:.* failed/) });
    expect(object('settings')?.drift).toBeNull();
    expect(drifts).toHaveLength(3);
    expect(changes).toBeGreaterThan(changesBefore);
    await monitor.readBack(state);
    expect(health('settings')?.status).toBe('Healthy');
    // The watches, cut with the server, run again.
    await until(() => state.watchError === '');
  });

  it('says which kind it cannot watch and why while it cannot, and clears it once the kind is served', async () => {
    state.setObjects([web, settings, widget], 'r2');
    monitor.watchAll();
    await until(() => state.watchError !== '');
    expect(state.watchError).toBe('Widget in default: the cluster does not serve Widget in example.com/v1');
    test.cluster.createObject(widgets);
    await until(() => state.watchError === '');
    state.setObjects([web, settings], 'r2');
    monitor.watchAll();
  });

  it('judges what an apply left from the newest observation while it ran, reading nothing back', async () => {
    const settingsObject = object('settings');
    if (!settingsObject) throw new Error('settings is managed');
    state.applying++;
    const changeSet = await applyAll(test.resources, [settings], { observe: monitor.applyObserver(state) });
    state.recordApply(changeSet);
    // Someone edits it after the apply's answer, before the apply of the whole application is over.
    test.cluster.editObject(settingsRef, { data: { mode: 'edited-during-apply' } });
    await until(() => settingsObject.unjudged !== undefined && (settingsObject.unjudged as { data?: { mode?: string } } | null)?.data?.mode === 'edited-during-apply');
    state.applying--;
    // With the API server away, only what was observed can be judged: a read would find nothing.
    const port = Number(new URL(test.server.url).port);
    await test.server.stop();
    try {
      await monitor.settle(state, [settingsObject]);
    } finally {
      await test.server.start(port);
    }
    expect(drifts).toHaveLength(4);
    expect(drifts[3].fields).toEqual([expect.objectContaining({ path: 'data.mode', live: 'edited-during-apply' })]);
    expect(settingsObject.health?.status).toBe('Healthy');
    expect(settingsObject.unjudged).toBeUndefined();
  });

  it("never lets an apply's answer overwrite a watch event taken in after the apply began (a controller's write that overtook the answer)", async () => {
    const settingsObject = object('settings');
    if (!settingsObject) throw new Error('settings is managed');
    const modeOf = (live: JsonObject | null | undefined) => (live as { data?: { mode?: string } } | null | undefined)?.data?.mode;
    state.applying++;
    try {
      const observeAnswer = monitor.applyObserver(state);
      // The answer as the API server sent it; before it is taken in, a newer version arrives by the watch.
      const answer = structuredClone(test.cluster.findObject(settingsRef)) as JsonObject;
      test.cluster.editObject(settingsRef, { data: { mode: 'written-after-the-answer' } });
      await until(() => modeOf(settingsObject.unjudged) === 'written-after-the-answer');
      observeAnswer(answer);
      expect(modeOf(answer)).not.toBe('written-after-the-answer');
      expect(modeOf(settingsObject.unjudged)).toBe('written-after-the-answer');
    } finally {
      state.applying--;
    }
  });
});
