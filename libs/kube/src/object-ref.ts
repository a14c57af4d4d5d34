import { type JsonObject, type ObjectIdentity } from '@capstan/manifest';
import type { KubernetesObject } from '@kubernetes/client-node';

/** The minimal object that names `identity` for the client's read and delete calls. */
export function referenceTo(identity: ObjectIdentity): KubernetesObject & { metadata: { name: string; namespace?: string } } {
  return {
    apiVersion: identity.group ? `${identity.group}/${identity.version}` : identity.version,
    kind: identity.kind,
    metadata: identity.namespace ? { name: identity.name, namespace: identity.namespace } : { name: identity.name },
  };
}

/** A manifest as the client library's object type. */
export function asKubernetesObject(object: JsonObject): KubernetesObject {
  return object as unknown as KubernetesObject;
}
