import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { toKustomizeYaml } from '@capstan/manifest';
import { buildKustomization } from './overlay';
import { InMemoryRenderFs } from './render-fs';

// Each fixture is a small repository; the build starts at its overlay/ folder when it has one, else at its root.
const fixturesDir = join(__dirname, '__fixtures__');
const fixtures = readdirSync(fixturesDir).sort();
// eslint-disable-next-line @nx/enforce-module-boundaries -- tools/ is plain Node outside the Nx graph; the reference kubectl lives there
const kubectl: { path: string | null; reason: string | null } = require('../../../tools/reference-binaries').referenceBinary('kubectl');
if (!kubectl.path) console.log(`kubectl kustomize comparisons skipped: ${kubectl.reason}`);

function fixtureFs(root: string): InMemoryRenderFs {
  const files: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path !== join(root, 'expected.yaml')) files[relative(root, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(root);
  return new InMemoryRenderFs(files);
}

function buildDir(root: string): string {
  return fixtureFs(root).isDirectory('overlay') ? 'overlay' : '';
}

describe('kustomize compatibility', () => {
  it('covers at least 30 fixtures', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  describe.each(fixtures)('fixture %s', (name) => {
    const root = join(fixturesDir, name);
    const expected = () => readFileSync(join(root, 'expected.yaml'), 'utf8');

    it('renders the checked-in kustomize output byte for byte', () => {
      expect(toKustomizeYaml(buildKustomization(fixtureFs(root), buildDir(root)))).toBe(expected());
    });

    (kubectl.path ? it : it.skip)('has expected output equal to kubectl kustomize', () => {
      const output = execFileSync(kubectl.path as string, ['kustomize', join(root, buildDir(root))], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(output).toBe(expected());
    });
  });
});
