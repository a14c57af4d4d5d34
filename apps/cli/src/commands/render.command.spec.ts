import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const capstan = join(__dirname, '..', '..', 'bin', 'capstan.js');

function runCapstan(args: string[]) {
  return spawnSync(process.execPath, [capstan, ...args], { encoding: 'utf8' });
}

describe('capstan render', () => {
  let repository: string;

  beforeAll(() => {
    repository = mkdtempSync(join(tmpdir(), 'capstan-render-'));
    mkdirSync(join(repository, '.git'));
    mkdirSync(join(repository, 'base'));
    mkdirSync(join(repository, 'overlay'));
    writeFileSync(join(repository, 'base', 'kustomization.yaml'), 'resources:\n- configmap.yaml\n');
    writeFileSync(
      join(repository, 'base', 'configmap.yaml'),
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  cluster: ${cluster.name}\n  region: ${cluster.labels.region}\n  tier: ${var.tier}\n',
    );
    writeFileSync(join(repository, 'overlay', 'kustomization.yaml'), 'resources:\n- ../base\nnamePrefix: prod-\n');
    mkdirSync(join(repository, 'broken'));
    writeFileSync(join(repository, 'broken', 'kustomization.yaml'), 'resources:\n- ../base\nhelmCharts: []\n');
  });

  afterAll(() => rmSync(repository, { recursive: true, force: true }));

  it('prints the overlay rendered for the cluster, with its variables, as kustomize build does', () => {
    const result = runCapstan(['render', join(repository, 'overlay'), '--cluster', 'eu-1', '--label', 'region=eu-west', '--var', 'tier=gold']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toBe('apiVersion: v1\ndata:\n  cluster: eu-1\n  region: eu-west\n  tier: gold\nkind: ConfigMap\nmetadata:\n  name: prod-settings\n');
  });

  it('exits non-zero with the error on stderr when a variable is undefined', () => {
    const result = runCapstan(['render', join(repository, 'overlay'), '--cluster', 'eu-1']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe("capstan: ConfigMap/prod-settings: field 'data.region': variable ${cluster.labels.region} is not defined for cluster eu-1\n");
  });

  it('exits non-zero naming the file and field of an unsupported kustomization field', () => {
    const result = runCapstan(['render', join(repository, 'broken')]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("capstan: broken/kustomization.yaml: field 'helmCharts': is not supported by Capstan\n");
  });
});
