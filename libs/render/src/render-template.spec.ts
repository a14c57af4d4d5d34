import { canonicalJson, contentDigest, type JsonObject } from '@capstan/manifest';
import { InMemoryRenderFs } from './render-fs';
import { RenderTemplate, renderForCluster, renderOverlay, type ClusterContext } from './render-template';

const files = {
  'base/kustomization.yaml': 'resources:\n- configmap.yaml\n',
  'base/configmap.yaml': [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: settings',
    'data:',
    '  cluster: ${cluster.name}',
    '  endpoint: https://api.${cluster.labels.region}.example.com/${var.tenant}',
    '  script: echo $${HOME} "quoted"',
    '',
  ].join('\n'),
  'group/kustomization.yaml': 'resources:\n- ../base\nnamePrefix: eu-\n',
};

const cluster = (name: string, region: string, tenant = 'acme'): ClusterContext => ({ name, labels: { region }, vars: { tenant } });

describe('two-stage render', () => {
  const template = renderOverlay(new InMemoryRenderFs(files), 'group');

  it('renders the overlay once and substitutes each cluster’s variables afterwards', () => {
    const bundle = renderForCluster(template, cluster('eu-1', 'eu-west'));
    expect(bundle.objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'eu-settings' },
        data: { cluster: 'eu-1', endpoint: 'https://api.eu-west.example.com/acme', script: 'echo ${HOME} "quoted"' },
      },
    ]);
  });

  it('lists the variables the overlay uses', () => {
    expect(template.variables).toEqual(['${cluster.labels.region}', '${cluster.name}', '${var.tenant}']);
  });

  it('digests the canonical JSON of the substituted objects', () => {
    const bundle = renderForCluster(template, cluster('eu-1', 'eu-west'));
    expect(bundle.json).toBe(canonicalJson(bundle.objects));
    expect(bundle.digest).toBe(contentDigest(bundle.objects));
  });

  it('gives identical renders the same digest and different renders different ones', () => {
    const withoutName = new RenderTemplate([{ kind: 'ConfigMap', metadata: { name: 'x' }, data: { region: '${cluster.labels.region}' } }]);
    const first = withoutName.render(cluster('a', 'eu'));
    expect(withoutName.render(cluster('b', 'eu')).digest).toBe(first.digest);
    expect(withoutName.render(cluster('c', 'us')).digest).not.toBe(first.digest);
  });

  it('escapes substituted values inside the JSON', () => {
    const bundle = new RenderTemplate([{ kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: '${var.tricky}' } }]).render({ name: 'c', labels: {}, vars: { tricky: 'a"b\\c\n' } });
    expect((bundle.objects[0].data as JsonObject).v).toBe('a"b\\c\n');
  });

  it('rejects an undefined variable, naming the object, field and cluster', () => {
    expect(() => renderForCluster(template, { name: 'bare', labels: {}, vars: { tenant: 'acme' } })).toThrow(
      "ConfigMap/eu-settings: field 'data.endpoint': variable ${cluster.labels.region} is not defined for cluster bare",
    );
  });

  it('rejects an unknown variable scope when compiling', () => {
    expect(() => new RenderTemplate([{ kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: '${HOME}' } }])).toThrow(
      /^ConfigMap\/x: field 'data\.v': unknown variable \$\{HOME\}/,
    );
  });

  it('rejects an unterminated variable', () => {
    expect(() => new RenderTemplate([{ kind: 'ConfigMap', metadata: { name: 'x' }, data: { v: 'a ${var.x' } }])).toThrow(/field 'data\.v': unterminated variable/);
  });

  it('rejects variables in keys', () => {
    expect(() => new RenderTemplate([{ kind: 'ConfigMap', metadata: { name: 'x', labels: { '${var.k}': 'v' } } }])).toThrow(
      "ConfigMap/x: field 'metadata.labels.${var.k}': variables are substituted in values only, not in keys",
    );
  });
});
