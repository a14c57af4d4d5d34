/** The object validation a real API server answers with 422 Invalid: names, labels, and the common workload rules. */
import { dns1123LabelError, dns1123SubdomainError, labelKeyError, labelValueError, labelSelectorFromObject, matchesLabelSelector, LabelSelectorError } from '@capstan/manifest';
import { invalid, type StatusCause } from './errors';
import { isPlainObject, type JsonObject } from './json';
import type { ResourceType } from './resource-types';

// Kinds whose names must be DNS-1123 labels; RBAC names only need to be valid path segments.
const labelNamedKinds = new Set(['Namespace', 'Service']);
const pathSegmentNamedKinds = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);

function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

function required(field: string, why = ''): StatusCause {
  return { reason: 'FieldValueRequired', message: why ? `Required value: ${why}` : 'Required value', field };
}

function nameError(type: ResourceType, name: string): string | null {
  if (pathSegmentNamedKinds.has(type.kind)) {
    if (name === '.' || name === '..' || /[/%]/.test(name)) return `may not be '.' or '..' and may not contain '/' or '%'`;
    return null;
  }
  if (labelNamedKinds.has(type.kind)) {
    const error = dns1123LabelError(name);
    return error && `a lowercase RFC 1123 label ${error} (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`;
  }
  const error = dns1123SubdomainError(name);
  return error && `a lowercase RFC 1123 subdomain ${error} (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`;
}

function metadataCauses(type: ResourceType, metadata: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = metadata.name;
  if (typeof name !== 'string' || name === '') causes.push(required('metadata.name', 'name or generateName is required'));
  else {
    const error = nameError(type, name);
    if (error) causes.push(invalidValue('metadata.name', name, error));
  }
  if (isPlainObject(metadata.labels)) {
    for (const [key, value] of Object.entries(metadata.labels)) {
      const keyError = labelKeyError(key);
      if (keyError) causes.push(invalidValue('metadata.labels', key, keyError));
      const valueError = typeof value === 'string' ? labelValueError(value) : 'must be a string';
      if (valueError) causes.push(invalidValue('metadata.labels', value, `a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character; ${valueError}`));
    }
  }
  if (isPlainObject(metadata.annotations)) {
    for (const key of Object.keys(metadata.annotations)) {
      const keyError = labelKeyError(key);
      if (keyError) causes.push(invalidValue('metadata.annotations', key, keyError));
    }
  }
  return causes;
}

function containerCauses(spec: unknown, at: string): StatusCause[] {
  if (!isPlainObject(spec)) return [required(at)];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) return [required(`${at}.containers`)];
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const field = `${at}.containers[${index}]`;
    if (!isPlainObject(container)) return;
    if (typeof container.name !== 'string' || !container.name) causes.push(required(`${field}.name`));
    else if (names.has(container.name)) causes.push({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${JSON.stringify(container.name)}`, field: `${field}.name` });
    else names.add(container.name);
    if (typeof container.image !== 'string' || !container.image) causes.push(required(`${field}.image`));
  });
  return causes;
}

// Workloads whose pod template must carry the labels their selector selects.
function templateCauses(spec: JsonObject, requireSelector: boolean): StatusCause[] {
  const causes: StatusCause[] = [];
  const template = spec.template;
  if (!isPlainObject(template)) return [required('spec.template')];
  causes.push(...containerCauses(template.spec, 'spec.template.spec'));
  if (!isPlainObject(spec.selector)) {
    if (requireSelector) causes.push(required('spec.selector'));
    return causes;
  }
  try {
    const selector = labelSelectorFromObject(spec.selector);
    if (selector.requirements.length === 0) causes.push(invalidValue('spec.selector', spec.selector, 'empty selector is invalid for deployment'));
    const labels = isPlainObject(template.metadata) ? (template.metadata.labels as Record<string, string> | undefined) : undefined;
    if (!matchesLabelSelector(selector, labels)) causes.push(invalidValue('spec.template.metadata.labels', labels ?? {}, '`selector` does not match template `labels`'));
  } catch (error) {
    if (!(error instanceof LabelSelectorError)) throw error;
    causes.push(invalidValue('spec.selector', spec.selector, error.reason));
  }
  return causes;
}

const kindRules: Record<string, (object: JsonObject) => StatusCause[]> = {
  Deployment: (object) => templateCauses(isPlainObject(object.spec) ? object.spec : {}, true),
  StatefulSet: (object) => templateCauses(isPlainObject(object.spec) ? object.spec : {}, true),
  DaemonSet: (object) => templateCauses(isPlainObject(object.spec) ? object.spec : {}, true),
  ReplicaSet: (object) => templateCauses(isPlainObject(object.spec) ? object.spec : {}, true),
  Job: (object) => templateCauses(isPlainObject(object.spec) ? object.spec : {}, false),
  Pod: (object) => containerCauses(object.spec, 'spec'),
};

/** Throws 422 Invalid with every cause found in `object` (already defaulted). */
export function validateObject(type: ResourceType, object: JsonObject): void {
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  const causes = [...metadataCauses(type, metadata), ...(type.definedBy ? [] : (kindRules[type.kind]?.(object) ?? []))];
  if (causes.length > 0) throw invalid({ group: type.group, kind: type.kind, name: typeof metadata.name === 'string' ? metadata.name : '' }, causes);
}
