import { create } from '@bufbuild/protobuf';
import { detectDrift } from '@capstan/diff';
import { healthy, progressing } from '@capstan/health';
import { identityOf, type JsonObject } from '@capstan/manifest';
import { ApplicationDesiredStateSchema, HealthStatus, SyncState } from '@capstan/proto';
import { ApplicationState } from './application-state';
import { type AgentMessageBody, mustArrive, Reporter, statusReport } from './reporter';

const settings: JsonObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: { mode: 'fast' } };
const web: JsonObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { replicas: 1 } };

function deployedState(): ApplicationState {
  const state = new ApplicationState(create(ApplicationDesiredStateSchema, { application: 'shop', revision: 'r2', bundleDigest: 'sha256:b2' }));
  state.setObjects([settings, web], 'r2');
  state.deployed = true;
  state.recordApply({ entries: [settings, web].map((object) => ({ object: identityOf(object), subject: '', action: 'created' })) });
  for (const object of state.objects.values()) object.health = healthy();
  return state;
}

const statusOf = (state: ApplicationState) => {
  const body = statusReport(state).value;
  if (body?.case !== 'status') throw new Error('not a status report');
  return body.value;
};

describe('the report reconciler', () => {
  it('says an application is synced and healthy while every object is', () => {
    expect(statusOf(deployedState())).toMatchObject({ application: 'shop', revision: 'r2', sync: SyncState.SYNCED, health: { status: HealthStatus.HEALTHY }, error: '', watchError: '' });
  });

  it('says an object and its application are out of sync while the object drifts, and synced again once it matches', () => {
    const state = deployedState();
    const object = [...state.objects.values()][0];
    object.drift = detectDrift(settings, { ...settings, data: { mode: 'slow' } });
    expect(statusOf(state).sync).toBe(SyncState.OUT_OF_SYNC);
    expect(statusOf(state).resources?.map((resource) => [resource.object?.name, resource.sync])).toEqual([
      ['settings', SyncState.OUT_OF_SYNC],
      ['web', SyncState.SYNCED],
    ]);
    object.drift = null;
    expect(statusOf(state).sync).toBe(SyncState.SYNCED);
  });

  it('says failed when an apply failed, whatever else is true, and the health of the least healthy object', () => {
    const state = deployedState();
    [...state.objects.values()][1].health = progressing('1 of 2 replicas available');
    [...state.objects.values()][0].drift = detectDrift(settings, null);
    state.error = '1 object(s) failed: Deployment/shop/web: forbidden';
    state.recordApply({ entries: [{ object: { group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'shop', name: 'web' }, subject: 'Deployment/shop/web', action: 'failed', message: 'forbidden' }] });
    const status = statusOf(state);
    expect(status).toMatchObject({ sync: SyncState.FAILED, health: { status: HealthStatus.PROGRESSING, message: '1 of 2 replicas available' } });
    expect(status.resources?.map((resource) => resource.sync)).toEqual([SyncState.OUT_OF_SYNC, SyncState.FAILED]);
  });

  it('names the kinds it cannot watch and why', () => {
    const state = deployedState();
    state.watchErrors.set('Widget in shop', 'the cluster does not serve Widget in example.com/v1');
    expect(statusOf(state).watchError).toBe('Widget in shop: the cluster does not serve Widget in example.com/v1');
  });

  it('reports nothing before the first deploy, nor while an apply runs, and only what changed', () => {
    const sent: AgentMessageBody[] = [];
    const reporter = new Reporter((body) => sent.push(body), 500);
    const state = deployedState();
    state.deployed = false;
    reporter.status(state);
    state.deployed = true;
    state.applying = 1;
    reporter.status(state);
    expect(sent).toEqual([]);
    state.applying = 0;
    reporter.status(state);
    reporter.status(state);
    expect(sent).toHaveLength(1);
    reporter.resend([state]);
    expect(sent).toHaveLength(2);
  });

  it('sends drift with the revision it was judged against, and its end, as messages that must arrive', () => {
    const sent: AgentMessageBody[] = [];
    const reporter = new Reporter((body) => sent.push(body));
    const state = deployedState();
    const drift = detectDrift(settings, { ...settings, data: { mode: 'slow' } });
    if (!drift) throw new Error('expected drift');
    reporter.drift(state, drift);
    reporter.driftResolved(state, [...state.objects.values()][0], 'kubectl-edit');
    expect(sent.map((body) => body?.case)).toEqual(['drift', 'driftResolved']);
    expect(sent[0]?.value).toMatchObject({ application: 'shop', revision: 'r2', fields: [{ path: 'data.mode', desiredJson: '"fast"', liveJson: '"slow"' }] });
    expect(sent[1]?.value).toMatchObject({ application: 'shop', revision: 'r2', restoredBy: 'kubectl-edit', object: { kind: 'ConfigMap', name: 'settings' } });
    expect(sent.every(mustArrive)).toBe(true);
    expect(mustArrive({ case: 'heartbeat', value: {} })).toBe(false);
  });
});
