import { joinPath, type Kustomization } from './kustomization';
import { RenderError } from './render-error';
import { repositoryPath, type RenderFs } from './render-fs';

/**
 * Resolves a path from a kustomization field against its directory. Directories may be
 * anywhere in the repository; files, as kustomize's default load restrictions require,
 * must be in the kustomization's directory or below it.
 */
export function resolveInRepository(kustomization: Kustomization, path: string, field: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path) || path.startsWith('git@')) {
    throw new RenderError(kustomization.file, field, `remote resource ${JSON.stringify(path)} is not supported`);
  }
  const resolved = repositoryPath(joinPath(kustomization.dir, path));
  if (resolved === null) throw new RenderError(kustomization.file, field, `path ${JSON.stringify(path)} escapes the repository root`);
  return resolved;
}

/** Resolves a file path that must lie inside the kustomization's directory. */
export function resolveFileInKustomization(kustomization: Kustomization, path: string, field: string): string {
  const resolved = resolveInRepository(kustomization, path, field);
  const dir = kustomization.dir;
  if (dir !== '' && resolved !== dir && !resolved.startsWith(`${dir}/`)) {
    throw new RenderError(kustomization.file, field, `file ${JSON.stringify(path)} is not in or below the kustomization directory ${dir}`);
  }
  return resolved;
}

/** Reads a file named by a kustomization field; a missing file is an error naming that field. */
export function readKustomizationFile(fs: RenderFs, kustomization: Kustomization, path: string, field: string): { path: string; text: string } {
  const resolved = resolveFileInKustomization(kustomization, path, field);
  try {
    return { path: resolved, text: fs.readFile(resolved) };
  } catch {
    throw new RenderError(kustomization.file, field, `cannot read file ${JSON.stringify(path)} (${resolved})`);
  }
}
