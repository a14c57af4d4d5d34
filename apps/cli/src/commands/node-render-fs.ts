import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { RenderFs } from '@capstan/render';

/** A RenderFs over a directory on disk; render paths are relative to `root`. */
export class NodeRenderFs implements RenderFs {
  constructor(private readonly root: string) {}

  readFile(path: string): string {
    return readFileSync(join(this.root, path), 'utf8');
  }

  readDir(path: string): string[] {
    return readdirSync(join(this.root, path));
  }

  isDirectory(path: string): boolean {
    try {
      return statSync(join(this.root, path)).isDirectory();
    } catch {
      return false;
    }
  }
}
