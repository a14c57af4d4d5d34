/** Kubernetes name and label syntax, as apimachinery's validation package checks it. */

const dns1123LabelPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dns1123SubdomainPattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const qualifiedNamePartPattern = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

/** Why `value` is not a DNS-1123 label (most object names, namespaces), or null when it is one. */
export function dns1123LabelError(value: string): string | null {
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!dns1123LabelPattern.test(value)) {
    return "must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
  }
  return null;
}

/** Why `value` is not a DNS-1123 subdomain (names of most kinds), or null when it is one. */
export function dns1123SubdomainError(value: string): string | null {
  if (value.length > 253) return 'must be no more than 253 characters';
  if (!dns1123SubdomainPattern.test(value)) {
    return "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  return null;
}

/** Why `key` is not a valid label or annotation key (`[prefix/]name`), or null when it is one. */
export function labelKeyError(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null) {
    if (prefix.length === 0) return 'prefix part must be non-empty';
    const prefixError = dns1123SubdomainError(prefix);
    if (prefixError) return `prefix part ${prefixError}`;
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!qualifiedNamePartPattern.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return null;
}

/** Why `value` is not a valid label value (empty is allowed), or null when it is one. */
export function labelValueError(value: string): string | null {
  if (value.length === 0) return null;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!qualifiedNamePartPattern.test(value)) {
    return "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return null;
}
