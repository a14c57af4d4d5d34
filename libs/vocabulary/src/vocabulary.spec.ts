import { changeActions, entriesWith, type ChangeSet } from './change-set';
import { driftStatuses, openDriftStatuses } from './drift';

describe('the shared vocabulary', () => {
  it('picks the entries of a ChangeSet by action', () => {
    const object = { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'shop', name: 'settings' };
    const changeSet: ChangeSet = {
      entries: [
        { object, subject: 'ConfigMap/shop/settings', action: 'configured' },
        { object: { ...object, name: 'legacy' }, subject: 'ConfigMap/shop/legacy', action: 'failed', message: 'forbidden' },
      ],
    };
    expect(entriesWith(changeSet, 'failed').map((entry) => entry.subject)).toEqual(['ConfigMap/shop/legacy']);
    expect(entriesWith(changeSet, 'deleted')).toEqual([]);
    expect(changeActions).toContain('skipped');
  });

  it('counts every drift status but resolved as open', () => {
    expect(driftStatuses.filter((status) => !openDriftStatuses.includes(status))).toEqual(['resolved']);
  });
});
