import { posix } from 'node:path';

/**
 * The files a render reads, addressed by '/'-separated paths relative to the repository root
 * ('' or '.' is the root). Implementations: InMemoryRenderFs here; a node-fs one in the CLI.
 */
export interface RenderFs {
  /** The text of a file; throws when it does not exist or is a directory. */
  readFile(path: string): string;
  /** The entry names of a directory; throws when it is not one. */
  readDir(path: string): string[];
  /** Whether `path` is an existing directory. */
  isDirectory(path: string): boolean;
}

/** A RenderFs over a map of file path → content (directories are implied by the paths). */
export class InMemoryRenderFs implements RenderFs {
  private readonly files = new Map<string, string>();
  private readonly directories = new Map<string, Set<string>>([['', new Set()]]);

  constructor(files: Readonly<Record<string, string>>) {
    for (const [path, content] of Object.entries(files)) {
      const normalised = normaliseRepositoryPath(path);
      this.files.set(normalised, content);
      let child = normalised;
      while (child !== '') {
        const parent = parentOf(child);
        if (!this.directories.has(parent)) this.directories.set(parent, new Set());
        (this.directories.get(parent) as Set<string>).add(child.slice(parent === '' ? 0 : parent.length + 1));
        child = parent;
      }
    }
  }

  readFile(path: string): string {
    const content = this.files.get(normaliseRepositoryPath(path));
    if (content === undefined) throw new Error(`no such file: ${path}`);
    return content;
  }

  readDir(path: string): string[] {
    const entries = this.directories.get(normaliseRepositoryPath(path));
    if (!entries) throw new Error(`no such directory: ${path}`);
    return [...entries].sort();
  }

  isDirectory(path: string): boolean {
    return this.directories.has(normaliseRepositoryPath(path));
  }
}

/**
 * Normalises a repository path ('a/./b/../c' → 'a/c', '.' → ''); null when it escapes the
 * root through '..' or is absolute.
 */
export function repositoryPath(path: string): string | null {
  if (path.startsWith('/')) return null;
  const normalised = posix.normalize(path);
  if (normalised === '..' || normalised.startsWith('../')) return null;
  return normalised === '.' ? '' : normalised.replace(/\/$/, '');
}

function normaliseRepositoryPath(path: string): string {
  const normalised = repositoryPath(path);
  if (normalised === null) throw new Error(`path escapes the repository root: ${path}`);
  return normalised;
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}
