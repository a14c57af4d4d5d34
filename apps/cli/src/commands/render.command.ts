import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { toKustomizeYaml } from '@capstan/manifest';
import { renderForCluster, renderOverlay } from '@capstan/render';
import { NodeRenderFs } from '@capstan/render-node';
import { keyValuePairs } from './option-parsers';

interface RenderCommandOptions {
  cluster: string;
  label: Record<string, string>;
  var: Record<string, string>;
  root?: string;
}

// Paths in kustomizations may reach anywhere in the repository, so the render root is the git work tree.
function repositoryRoot(dir: string): string {
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return dir;
  }
}

/** `capstan render DIR`: prints the directory rendered for one cluster, as `kustomize build` prints it. */
export function registerRenderCommand(program: Command): void {
  program
    .command('render')
    .description('render a kustomization directory for one cluster and print it as kustomize build does')
    .argument('<dir>', 'directory holding kustomization.yaml')
    .option('--cluster <name>', 'cluster name for ${cluster.name}', 'local')
    .option('--label <key=value>', 'a cluster label for ${cluster.labels.<key>} (repeatable)', keyValuePairs('--label'), {})
    .option('--var <key=value>', 'a variable for ${var.<name>} (repeatable)', keyValuePairs('--var'), {})
    .option('--root <dir>', 'repository root that paths may not leave (default: the enclosing git work tree, else DIR)')
    .action((dir: string, options: RenderCommandOptions) => {
      const target = resolve(dir);
      if (!existsSync(target) || !statSync(target).isDirectory()) throw new Error(`${dir}: not a directory`);
      const root = resolve(options.root ?? repositoryRoot(target));
      const template = renderOverlay(new NodeRenderFs(root), relative(root, target).split('\\').join('/'));
      const bundle = renderForCluster(template, { name: options.cluster, labels: options.label, vars: options.var });
      process.stdout.write(toKustomizeYaml(bundle.objects));
    });
}
