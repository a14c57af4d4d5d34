import { dns1123LabelError, labelKeyError, labelValueError, LabelSelectorError, parseLabelSelector } from '@capstan/manifest';
import { registerDecorator, ValidateIf, type ValidationOptions } from 'class-validator';

/** A field that may be left out but, when given, must not be null (its column is NOT NULL). */
export const Omittable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

function rule(name: string, check: (value: unknown) => string | null, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => value === undefined || (value !== null && check(value) === null),
        defaultMessage: (args) => (args?.value === null ? 'must not be null' : (check(args?.value) ?? '')),
      },
    });
  };
}

/** A Kubernetes-style resource name: a DNS-1123 label (lower case, digits, '-', at most 63). */
export const IsResourceName = (options?: ValidationOptions) =>
  rule('isResourceName', (value) => (typeof value === 'string' ? dns1123LabelError(value) : 'must be a string'), options);

/** Kubernetes label syntax for every key and value. */
export const IsLabelMap = (options?: ValidationOptions) =>
  rule(
    'isLabelMap',
    (value) => {
      for (const [key, labelValue] of Object.entries(value as Record<string, string>)) {
        const keyError = labelKeyError(key);
        if (keyError) return `label key "${key}": ${keyError}`;
        const valueError = labelValueError(labelValue);
        if (valueError) return `value of label "${key}": ${valueError}`;
      }
      return null;
    },
    options,
  );

/** Render variable names usable as `${var.name}`. */
export const IsVariableMap = (options?: ValidationOptions) =>
  rule(
    'isVariableMap',
    (value) => {
      const bad = Object.keys(value as Record<string, string>).find((key) => !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key));
      return bad === undefined ? null : `variable name "${bad}" must start with a letter or "_" and contain only letters, digits, "_", "-" or "."`;
    },
    options,
  );

/** A label selector in its string form (`env=prod,region in (eu,us)`). */
export const IsLabelSelector = (options?: ValidationOptions) =>
  rule(
    'isLabelSelector',
    (value) => {
      try {
        parseLabelSelector(String(value));
        return null;
      } catch (error) {
        return error instanceof LabelSelectorError ? error.message : String(error);
      }
    },
    options,
  );

/** A git remote: https://, http://, ssh://, scp-like `git@host:path`, file:// or an absolute local path. */
export const IsGitUrl = (options?: ValidationOptions) =>
  rule(
    'isGitUrl',
    (value) => {
      const url = String(value);
      if (/^(https?|ssh|git|file):\/\/\S+$/.test(url) || /^[\w.-]+@[\w.-]+:\S+$/.test(url) || /^\/\S*$/.test(url)) return null;
      return 'must be an https://, ssh://, git@host:path, file:// URL or an absolute path';
    },
    options,
  );

/** A branch or tag name, with the rules of `git check-ref-format`. */
export const IsGitRef = (options?: ValidationOptions) =>
  rule(
    'isGitRef',
    (value) => {
      const ref = String(value);
      // eslint-disable-next-line no-control-regex -- git refuses control characters in ref names
      const invalid = ref === '' || /[\s~^:?*[\\\x00-\x1f\x7f]|\.\.|@\{|\/\/|^\/|\/$|\.lock$|^-|\.$/.test(ref);
      return invalid ? 'is not a valid git branch or tag name' : null;
    },
    options,
  );

/** A folder inside a repository: relative, without `..`. */
export const IsRepositoryPath = (options?: ValidationOptions) =>
  rule(
    'isRepositoryPath',
    (value) => {
      const path = String(value);
      if (path.startsWith('/')) return 'must be relative to the repository root';
      if (path.split('/').includes('..')) return 'must stay inside the repository (no "..")';
      return null;
    },
    options,
  );
