import type { JsonObject } from '@capstan/manifest';
import { withLiveIgnoredFields } from './ignore-rules';

const desired: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop' },
  spec: {
    replicas: 3,
    template: { spec: { containers: [{ name: 'web', image: 'shop/web:1.0', resources: { limits: { cpu: '1' } } }] } },
  },
};

describe('applying around fields ignore rules give away', () => {
  it('applies the live value of an ignored field, so the apply does not take it back', () => {
    const live = { ...desired, spec: { ...(desired['spec'] as JsonObject), replicas: 7 } };
    expect(withLiveIgnoredFields(desired, live, [{ jsonPointer: '/spec/replicas', kind: 'Deployment' }])).toMatchObject({ spec: { replicas: 7 } });
    expect(desired).toMatchObject({ spec: { replicas: 3 } });
  });

  it('finds list items by merge key in the live object, whatever their order there', () => {
    const live: JsonObject = { ...desired, spec: { replicas: 3, template: { spec: { containers: [{ name: 'proxy', image: 'proxy:2' }, { name: 'web', image: 'shop/web:1.0', resources: { limits: { cpu: '2' } } }] } } } };
    const manifest = withLiveIgnoredFields(desired, live, [{ jsonPointer: '/spec/template/spec/containers/0/resources' }]);
    expect(manifest).toMatchObject({ spec: { template: { spec: { containers: [{ name: 'web', image: 'shop/web:1.0', resources: { limits: { cpu: '2' } } }] } } } });
  });

  it('leaves out an ignored field the live object lacks, and keeps git’s values for an object yet to be created or for rules of other kinds', () => {
    const live: JsonObject = { ...desired, spec: { template: (desired['spec'] as JsonObject)['template'] } };
    expect((withLiveIgnoredFields(desired, live, [{ jsonPointer: '/spec/replicas' }])['spec'] as JsonObject)['replicas']).toBeUndefined();
    expect(withLiveIgnoredFields(desired, null, [{ jsonPointer: '/spec/replicas' }])).toBe(desired);
    expect(withLiveIgnoredFields(desired, live, [{ jsonPointer: '/spec/replicas', kind: 'StatefulSet' }])).toBe(desired);
  });
});
