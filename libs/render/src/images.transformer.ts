import { isJsonObject, type JsonValue } from '@capstan/manifest';
import type { ImageEntry } from './kustomization';
import type { Resource } from './resource';

/** Applies `images`: every container and init container image, at any depth, whose name matches. */
export function applyImages(images: readonly ImageEntry[], resources: readonly Resource[]): void {
  if (images.length === 0) return;
  for (const resource of resources) visit(resource.object, images);
}

function visit(node: JsonValue, images: readonly ImageEntry[]): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, images);
    return;
  }
  if (!isJsonObject(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'containers' || key === 'initContainers') && Array.isArray(value)) {
      for (const container of value) {
        if (isJsonObject(container) && typeof container.image === 'string') container.image = updatedImage(container.image, images);
      }
    }
    visit(value, images);
  }
}

// kustomize matches the image name as a regular expression followed by an optional tag and digest.
function updatedImage(image: string, images: readonly ImageEntry[]): string {
  for (const entry of images) {
    if (!new RegExp(`^${entry.name}(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`).test(image)) continue;
    let { name, tag, digest } = splitImage(image);
    if (entry.newName) name = entry.newName;
    if (entry.newTag !== undefined && entry.digest !== undefined) {
      tag = entry.newTag;
      digest = entry.digest;
    } else if (entry.newTag !== undefined) {
      tag = entry.newTag;
      digest = '';
    } else if (entry.digest !== undefined) {
      tag = '';
      digest = entry.digest;
    }
    return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
  }
  return image;
}

/** Splits `registry:port/name:tag@digest`; a ':' before the first '/' belongs to the registry. */
export function splitImage(image: string): { name: string; tag: string; digest: string } {
  const slash = image.indexOf('/');
  const offset = slash > 0 ? slash : 0;
  const rest = image.slice(offset);
  const at = rest.indexOf('@');
  const colon = rest.indexOf(':');
  if (colon < 0 && at < 0) return { name: image, tag: '', digest: '' };
  if (at >= 0 && (at < colon || colon < 0)) return { name: image.slice(0, offset + at), tag: '', digest: image.slice(offset + at + 1) };
  if (at >= 0) return { name: image.slice(0, offset + colon), tag: image.slice(offset + colon + 1, offset + at), digest: image.slice(offset + at + 1) };
  return { name: image.slice(0, offset + colon), tag: image.slice(offset + colon + 1), digest: '' };
}
