import { describeContainer, podSpecKinds, podSpecOf } from '../pod-spec';
import { type BuiltinRuleDefinition, booleanParam, onlyParams } from './builtin-rule';

/** The tag and digest of an image reference (`registry:5000/app:1.2@sha256:…`); a registry port is not a tag. */
export function imageReference(image: string): { tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const name = at < 0 ? image : image.slice(0, at);
  const digest = at < 0 ? undefined : image.slice(at + 1);
  const colon = name.lastIndexOf(':');
  const tag = colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
  return { tag, digest };
}

export const imageTagRule: BuiltinRuleDefinition<{ requireDigest: boolean }> = {
  id: 'image-tag',
  severity: 'medium',
  description: 'images name a tag other than latest (or, with requireDigest, a digest)',
  params(raw, fail) {
    onlyParams(raw, ['requireDigest'], fail);
    return { requireDigest: booleanParam(raw, 'requireDigest', fail) ?? false };
  },
  kinds: () => podSpecKinds,
  check(object, { requireDigest }) {
    return (podSpecOf(object)?.containers ?? []).flatMap((container) => {
      const image = container.container.image;
      const fieldPath = `${container.path}.image`;
      if (typeof image !== 'string' || image === '') return [{ fieldPath, message: `${describeContainer(container)} names no image` }];
      const { tag, digest } = imageReference(image);
      if (requireDigest && !digest?.startsWith('sha256:')) return [{ fieldPath, message: `${describeContainer(container)} uses image "${image}" without a sha256 digest` }];
      if (digest) return [];
      if (tag === undefined) return [{ fieldPath, message: `${describeContainer(container)} uses image "${image}" without a tag (latest)` }];
      if (tag === 'latest') return [{ fieldPath, message: `${describeContainer(container)} uses image "${image}" with the latest tag` }];
      return [];
    });
  },
};
