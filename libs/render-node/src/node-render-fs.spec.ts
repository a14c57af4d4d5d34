import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeRenderFs } from './node-render-fs';

describe('NodeRenderFs', () => {
  const root = mkdtempSync(join(tmpdir(), 'capstan-tree-'));
  const outside = mkdtempSync(join(tmpdir(), 'capstan-outside-'));
  beforeAll(() => {
    mkdirSync(join(root, 'apps/web'), { recursive: true });
    writeFileSync(join(root, 'apps/web/kustomization.yaml'), 'resources: []\n');
    writeFileSync(join(outside, 'secret.txt'), 'hub secret\n');
    symlinkSync(join(outside, 'secret.txt'), join(root, 'apps/web/leak.yaml'));
    symlinkSync('kustomization.yaml', join(root, 'apps/web/alias.yaml'));
  });
  afterAll(() => [root, outside].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('reads files and lists directories relative to the repository root', () => {
    const fs = new NodeRenderFs(root);
    expect(fs.readFile('apps/web/kustomization.yaml')).toBe('resources: []\n');
    expect(fs.readDir('apps/web')).toEqual(['alias.yaml', 'kustomization.yaml', 'leak.yaml']);
    expect(fs.isDirectory('apps')).toBe(true);
    expect(fs.isDirectory('apps/missing')).toBe(false);
  });

  it('follows a symbolic link inside the repository but refuses one leading outside', () => {
    const fs = new NodeRenderFs(root);
    expect(fs.readFile('apps/web/alias.yaml')).toBe('resources: []\n');
    expect(() => fs.readFile('apps/web/leak.yaml')).toThrow('apps/web/leak.yaml leads outside the repository');
  });
});
