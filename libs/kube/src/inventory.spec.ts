import type { ObjectIdentity } from '@capstan/manifest';
import type { ChangeSet } from '@capstan/vocabulary';
import { inventoryDiff, nextInventory } from './inventory';

const id = (kind: string, name: string): ObjectIdentity => ({ group: kind === 'Deployment' ? 'apps' : '', version: 'v1', kind, namespace: 'shop', name });
const web = id('Deployment', 'web');
const settings = id('ConfigMap', 'settings');
const legacy = id('ConfigMap', 'legacy');
const applied = (...entries: Array<[ObjectIdentity, ChangeSet['entries'][number]['action']]>): ChangeSet => ({ entries: entries.map(([object, action]) => ({ object, subject: `${object.kind}/${object.namespace}/${object.name}`, action })) });

describe('inventory', () => {
  it('finds the objects that left git', () => {
    expect(inventoryDiff({ objects: [web, settings, legacy] }, { objects: [web, settings] })).toEqual([legacy]);
    expect(inventoryDiff({ objects: [web] }, { objects: [web, settings] })).toEqual([]);
  });

  it('keeps an object that failed to delete, so a later prune tries again', () => {
    const pruned = applied([legacy, 'failed']);
    expect(nextInventory({ objects: [web, legacy] }, [web], applied([web, 'unchanged']), pruned).objects).toEqual([legacy, web]);
  });

  it('forgets objects deleted, and those it must not touch', () => {
    expect(nextInventory({ objects: [web, legacy] }, [web], applied([web, 'configured']), applied([legacy, 'deleted'])).objects).toEqual([web]);
    expect(nextInventory({ objects: [web, legacy] }, [web], applied([web, 'configured']), applied([legacy, 'skipped'])).objects).toEqual([web]);
  });

  it('keeps objects that left git while prune is off', () => {
    expect(nextInventory({ objects: [web, legacy] }, [web], applied([web, 'unchanged']), null).objects).toEqual([legacy, web]);
  });

  it('keeps an object still in git whose apply failed or was skipped this time, as it may exist from before', () => {
    expect(nextInventory({ objects: [web, settings] }, [web, settings], applied([web, 'failed'], [settings, 'skipped']), null).objects).toEqual([settings, web]);
  });

  it('does not take in an object it never applied', () => {
    expect(nextInventory({ objects: [web] }, [web, settings], applied([web, 'unchanged'], [settings, 'failed']), null).objects).toEqual([web]);
  });
});
