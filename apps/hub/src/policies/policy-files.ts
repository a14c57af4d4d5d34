import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type AdmissionObject, compilePolicy, type Policy, PolicyError, policyFromValidatingAdmissionPolicy } from '@capstan/policy';
import { parseAllDocuments } from 'yaml';

/** A policy file of a source that cannot be taken: the message names the file (as in the repository) and what is wrong. */
export class PolicyFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PolicyFileError';
  }
}

const policyFields = ['name', 'description', 'mode', 'scope', 'exemptions', 'rules'] as const;

/** Every .yaml, .yml and .json file under `dir`, depth first in name order, as paths relative to `root`. */
function policyFilesUnder(root: string, dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return policyFilesUnder(root, path);
      return /\.(ya?ml|json)$/.test(entry) ? [relative(root, path)] : [];
    });
}

/**
 * The policies a source's policy folder holds at one commit, each complete (fields left out take
 * the defaults of a new policy) and compiled once to be sure it can be saved. A document is a
 * Capstan policy (`name`, `description`, `mode`, `scope`, `exemptions`, `rules`) or a
 * ValidatingAdmissionPolicy, with its binding in the same folder. One wrong file refuses them all,
 * so the policies in force stay as the last good commit left them.
 */
export function readPolicyFolder(tree: string, folder: string): Policy[] {
  const dir = join(tree, folder);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new PolicyFileError(`${folder}: no such folder in the repository`);
  const policies: Array<{ file: string; policy: Policy }> = [];
  const admission: Array<{ file: string; object: AdmissionObject }> = [];
  for (const file of policyFilesUnder(tree, dir)) {
    for (const [index, document] of parseAllDocuments(readFileSync(join(tree, file), 'utf8')).entries()) {
      const where = `${file} (document ${index + 1})`;
      if (document.errors.length > 0) throw new PolicyFileError(`${where}: not YAML: ${document.errors[0].message.split('\n')[0]}`);
      const value: unknown = document.toJSON();
      if (value === null || value === undefined) continue;
      if (typeof value !== 'object' || Array.isArray(value)) throw new PolicyFileError(`${where}: expected a policy object { ${policyFields.join(', ')} }`);
      const fields = value as Record<string, unknown>;
      if (fields['kind'] === 'ValidatingAdmissionPolicy' || fields['kind'] === 'ValidatingAdmissionPolicyBinding') {
        admission.push({ file: where, object: fields as unknown as AdmissionObject });
        continue;
      }
      const unknown = Object.keys(fields).find((key) => !(policyFields as readonly string[]).includes(key));
      if (unknown !== undefined) throw new PolicyFileError(`${where}: field '${unknown}' is not a policy field (${policyFields.join(', ')})`);
      if (typeof fields['name'] !== 'string' || fields['name'] === '') throw new PolicyFileError(`${where}: field 'name' is required`);
      policies.push({ file: where, policy: { description: '', mode: 'audit', scope: {}, exemptions: [], rules: [], ...fields } as unknown as Policy });
    }
  }
  const bindings = admission.filter(({ object }) => object.kind === 'ValidatingAdmissionPolicyBinding');
  for (const { file, object } of admission.filter(({ object }) => object.kind === 'ValidatingAdmissionPolicy')) {
    const binding = bindings.find((candidate) => (candidate.object.spec as { policyName?: string } | undefined)?.policyName === object.metadata?.name)?.object;
    policies.push({ file, policy: explained(file, () => policyFromValidatingAdmissionPolicy(object, binding)) });
  }
  const seen = new Map<string, string>();
  for (const { file, policy } of policies) {
    const other = seen.get(policy.name);
    if (other !== undefined) throw new PolicyFileError(`${file}: policy "${policy.name}" is also defined in ${other}`);
    seen.set(policy.name, file);
    explained(file, () => compilePolicy(policy));
  }
  return policies.map(({ policy }) => policy);
}

/** Runs `work`; a PolicyError becomes a PolicyFileError naming the file. */
function explained<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyFileError(`${file}: ${error.message}`);
    throw error;
  }
}
