import type { ObjectIdentity } from '@capstan/manifest';
import { inventoryDiff, nextInventory } from './inventory';

const id = (kind: string, name: string): ObjectIdentity => ({ group: kind === 'Deployment' ? 'apps' : '', version: 'v1', kind, namespace: 'shop', name });
const web = id('Deployment', 'web');
const settings = id('ConfigMap', 'settings');
const legacy = id('ConfigMap', 'legacy');

describe('inventory', () => {
  it('finds the objects that left git', () => {
    expect(inventoryDiff({ objects: [web, settings, legacy] }, { objects: [web, settings] })).toEqual([legacy]);
    expect(inventoryDiff({ objects: [web] }, { objects: [web, settings] })).toEqual([]);
  });

  it('keeps an object that failed to delete, so a later prune tries again', () => {
    const pruned = { entries: [{ object: legacy, subject: 'ConfigMap/shop/legacy', action: 'failed' as const, message: 'forbidden' }] };
    expect(nextInventory([web], [legacy], pruned).objects).toEqual([legacy, web]);
  });

  it('forgets objects deleted, and those it must not touch', () => {
    const pruned = { entries: [{ object: legacy, subject: 'ConfigMap/shop/legacy', action: 'deleted' as const }] };
    expect(nextInventory([web], [legacy], pruned).objects).toEqual([web]);
  });

  it('keeps objects that left git while prune is off', () => {
    expect(nextInventory([web], [legacy], null).objects).toEqual([legacy, web]);
  });
});
