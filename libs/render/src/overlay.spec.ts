import { buildKustomization } from './overlay';
import { InMemoryRenderFs } from './render-fs';

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

function build(files: Record<string, string>, dir = 'app'): unknown[] {
  return buildKustomization(new InMemoryRenderFs(files), dir);
}

function buildError(files: Record<string, string>, dir = 'app'): string {
  try {
    build(files, dir);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected the render to fail');
}

describe('buildKustomization', () => {
  it('renders the resources of a kustomization in kustomize order', () => {
    const objects = build({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': configMap('settings') });
    expect(objects).toEqual([{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } }]);
  });

  describe('rejects bad input with the file and field or line', () => {
    it('names the file and line of broken YAML in a resource', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: name: x\ndata: {}\n' });
      expect(message).toMatch(/^app\/cm\.yaml:3: invalid YAML: Nested mappings are not allowed/);
    });

    it('names the line of broken YAML in the kustomization itself', () => {
      expect(buildError({ 'app/kustomization.yaml': 'resources:\n- a.yaml\nnamePrefix: x-: y\n' })).toMatch(/^app\/kustomization\.yaml:3: invalid YAML/);
    });

    it('names a duplicate key with its line', () => {
      expect(buildError({ 'app/kustomization.yaml': 'namePrefix: a-\nnamePrefix: b-\n' })).toMatch(/^app\/kustomization\.yaml:2: invalid YAML: Map keys must be unique/);
    });

    it('rejects an unknown kustomization field by name', () => {
      expect(buildError({ 'app/kustomization.yaml': 'resourcez:\n- cm.yaml\n' })).toBe("app/kustomization.yaml: field 'resourcez': is not a known kustomization field");
    });

    it('rejects a kustomize field Capstan does not support instead of ignoring it', () => {
      expect(buildError({ 'app/kustomization.yaml': 'replacements: []\n' })).toBe("app/kustomization.yaml: field 'replacements': is not supported by Capstan");
    });

    it('rejects an unsupported nested field with its path', () => {
      const message = buildError({ 'app/kustomization.yaml': 'images:\n- name: nginx\n  tagSuffix: -x\n' });
      expect(message).toBe("app/kustomization.yaml: field 'images[0].tagSuffix': is not supported");
    });

    it('rejects a resource path escaping the repository root', () => {
      expect(buildError({ 'app/kustomization.yaml': 'resources:\n- ../../outside\n' })).toBe(
        `app/kustomization.yaml: field 'resources[0]': path "../../outside" escapes the repository root`,
      );
    });

    it('rejects a resource file outside the kustomization directory, as kustomize does', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- ../shared/cm.yaml\n', 'shared/cm.yaml': configMap('x') });
      expect(message).toBe(`app/kustomization.yaml: field 'resources[0]': file "../shared/cm.yaml" is not in or below the kustomization directory app`);
    });

    it('rejects a missing resource file', () => {
      expect(buildError({ 'app/kustomization.yaml': 'resources:\n- missing.yaml\n' })).toBe(`app/kustomization.yaml: field 'resources[0]': "missing.yaml" does not exist (app/missing.yaml)`);
    });

    it('rejects remote resources', () => {
      expect(buildError({ 'app/kustomization.yaml': 'resources:\n- https://github.com/acme/base\n' })).toMatch(/field 'resources\[0\]': remote resource .* is not supported/);
    });

    it('rejects a JSON 6902 patch without a target', () => {
      const message = buildError({
        'app/kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- patch: |-\n    - op: remove\n      path: /data\n',
        'app/cm.yaml': configMap('settings'),
      });
      expect(message).toBe("app/kustomization.yaml: field 'patches[0].target': a JSON 6902 patch needs a target");
    });

    it('names the target object when a JSON 6902 operation fails', () => {
      const message = buildError({
        'app/kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- target: {kind: ConfigMap}\n  patch: |-\n    - op: remove\n      path: /data/missing\n',
        'app/cm.yaml': configMap('settings'),
      });
      expect(message).toMatch(/^app\/kustomization\.yaml: field 'patches\[0\]': ConfigMap\/settings: /);
    });

    it('rejects a strategic merge patch that matches no object', () => {
      const message = buildError({
        'app/kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- path: patch.yaml\n',
        'app/cm.yaml': configMap('settings'),
        'app/patch.yaml': configMap('other'),
      });
      expect(message).toBe('app/patch.yaml: no object matches the patch for ConfigMap/other (v1)');
    });

    it('rejects patch directives kustomize would copy into the output', () => {
      const message = buildError({
        'app/kustomization.yaml': 'resources:\n- cm.yaml\npatches:\n- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: settings\n    $retainKeys: [data]\n',
        'app/cm.yaml': configMap('settings'),
      });
      expect(message).toBe("app/kustomization.yaml: field 'patches[0]': ConfigMap/settings: field '$retainKeys': directive is not supported by kustomize");
    });

    it('rejects replicas for a workload that does not exist', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\nreplicas:\n- name: web\n  count: 2\n', 'app/cm.yaml': configMap('settings') });
      expect(message).toBe(`app/kustomization.yaml: field 'replicas[0].name': no Deployment, StatefulSet, ReplicaSet, ReplicationController named "web"`);
    });

    it('rejects two objects with the same identity', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- a.yaml\n- b.yaml\n', 'app/a.yaml': configMap('same'), 'app/b.yaml': configMap('same') });
      expect(message).toBe('app/b.yaml: may not add ConfigMap/same: an object with that identity already comes from app/a.yaml');
    });

    it('rejects merging a generated ConfigMap that does not exist', () => {
      const message = buildError({ 'app/kustomization.yaml': 'configMapGenerator:\n- name: settings\n  behavior: merge\n  literals: [a=1]\n' });
      expect(message).toBe("app/kustomization.yaml: field 'configMapGenerator[0].behavior': ConfigMap/settings does not exist; cannot merge it");
    });

    it('rejects a Kustomization listed as a component', () => {
      const message = buildError({ 'app/kustomization.yaml': 'components:\n- ../lib\n', 'lib/kustomization.yaml': 'resources: []\n' });
      expect(message).toBe("lib/kustomization.yaml: field 'kind': expected a Component here (referenced from app) but found a Kustomization");
    });

    it('rejects a cycle between kustomizations', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- ../lib\n', 'lib/kustomization.yaml': 'resources:\n- ../app\n' });
      expect(message).toBe('app: cycle: app -> lib -> app');
    });

    it('rejects an object without a name', () => {
      const message = buildError({ 'app/kustomization.yaml': 'resources:\n- cm.yaml\n', 'app/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n' });
      expect(message).toBe("app/cm.yaml: field 'metadata.name': ConfigMap has no name");
    });

    it('rejects an environment file line without a value', () => {
      const message = buildError({ 'app/kustomization.yaml': 'configMapGenerator:\n- name: env\n  envs: [app.env]\n', 'app/app.env': 'A=1\nFROM_ENVIRONMENT\n' });
      expect(message).toBe(`app/app.env:2: "FROM_ENVIRONMENT" has no '=': values from the environment are not supported`);
    });
  });
});
