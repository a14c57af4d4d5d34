import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { RenderFs } from '@capstan/render';

/**
 * The files of a checked-out commit, for rendering. Paths are relative to the repository root;
 * a symbolic link pointing outside the checkout is refused, so a repository cannot make the hub
 * read its own files.
 */
export class NodeRenderFs implements RenderFs {
  private readonly root: string;

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  readFile(path: string): string {
    return readFileSync(this.resolve(path), 'utf8');
  }

  readDir(path: string): string[] {
    return readdirSync(this.resolve(path)).sort();
  }

  isDirectory(path: string): boolean {
    try {
      return statSync(this.resolve(path)).isDirectory();
    } catch {
      return false;
    }
  }

  private resolve(path: string): string {
    const real = realpathSync(join(this.root, path));
    const inside = relative(this.root, real);
    if (inside === '..' || inside.startsWith(`..${sep}`)) throw new Error(`${path} leads outside the repository`);
    return real;
  }
}
