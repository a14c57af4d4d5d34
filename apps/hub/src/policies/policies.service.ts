import { Injectable } from '@nestjs/common';
import { type AdmissionObject, type CompiledPolicy, compilePolicy, type Policy, PolicyError, policyFromValidatingAdmissionPolicy, type PolicyMode } from '@capstan/policy';
import { canonicalJson, type JsonValue } from '@capstan/manifest';
import { PolicyEntity, PolicyRolloutEntity, PolicyVersionEntity, SourceEntity } from '@capstan/persistence';
import { policyHeld, type PolicyRolloutRecord } from '@capstan/rollout';
import { DataSource, type EntityManager, In } from 'typeorm';
import { parseAllDocuments } from 'yaml';
import { AuditService } from '../audit/audit.service';
import { type Principal, SourcePrincipal } from '../auth/principal';
import { definedFields } from '../common/apply-changes';
import type { ClusterWithGroups } from '../groups/group-membership';
import { DesiredStateEvents } from '../rendering/desired-state-events';
import { CapstanException } from '../common/capstan.exception';
import type { PolicyInput } from './policy.dto';

/** A policy's definition as the library knows it, from its stored row. */
export function definitionOf(entity: PolicyEntity): Policy {
  return { name: entity.name, description: entity.description, mode: entity.mode, scope: entity.scope, exemptions: entity.exemptions, rules: entity.rules, version: entity.version };
}

/** The policy `input` describes, at the next version: the saved one with the fields given replaced, or a new one (audit by default). */
export function nextVersion(saved: PolicyEntity | null, input: PolicyInput): Policy {
  const { name, ...changes } = input;
  const base: Policy = saved ? definitionOf(saved) : { name, description: '', mode: 'audit', scope: {}, exemptions: [], rules: [] };
  return { ...base, ...definedFields(changes), version: (saved?.version ?? 0) + 1 };
}

/** Runs `work`; a PolicyError (a client's mistake) becomes INVALID_ARGUMENT naming its field under `field`. */
export function refusingPolicyErrors<T>(field: string, work: () => T): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof PolicyError) throw CapstanException.invalid(error.field === '' ? field : `${field}.${error.field}`, error.message);
    throw error;
  }
}

/** A policy in force for a cluster: the version it holds there, in the mode it holds it in, compiled. */
export interface PolicyInForce {
  entity: PolicyEntity;
  version: number;
  /** The whole policy at `version`, `mode` the one it holds in there. */
  definition: Policy;
  compiled: CompiledPolicy;
}

/** One saved version of a policy, compiled. */
interface CompiledVersion {
  definition: Policy;
  compiled: CompiledPolicy;
}

/**
 * Fleet-wide policies: saved only once they compile (every CEL expression parsed and
 * type-checked), each save a new immutable version, audited. What is in force is compiled once
 * per version and kept.
 */
@Injectable()
export class PoliciesService {
  /** By `policyId@version`: versions never change, so each is compiled once. */
  private readonly compiled = new Map<string, CompiledVersion>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly audit: AuditService,
    private readonly desiredStateEvents: DesiredStateEvents,
  ) {}

  list(): Promise<PolicyEntity[]> {
    return this.dataSource.getRepository(PolicyEntity).find({ order: { name: 'ASC' } });
  }

  async get(name: string, manager: EntityManager = this.dataSource.manager): Promise<PolicyEntity> {
    const policy = await manager.getRepository(PolicyEntity).findOneBy({ name });
    if (!policy) throw CapstanException.notFound('policy', name);
    return policy;
  }

  async sourceName(policy: PolicyEntity): Promise<string | null> {
    if (policy.sourceId === null) return null;
    return (await this.dataSource.getRepository(SourceEntity).findOneBy({ id: policy.sourceId }))?.name ?? null;
  }

  versions(policy: PolicyEntity): Promise<PolicyVersionEntity[]> {
    return this.dataSource.getRepository(PolicyVersionEntity).find({ where: { policyId: policy.id }, order: { version: 'DESC' } });
  }

  /** A new policy; `mode` defaults to audit, so a policy starts by only recording what it finds. */
  create(principal: Principal, input: PolicyInput, reason?: string): Promise<PolicyEntity> {
    return this.announcing(this.audit.change(principal, { action: 'policy.create', targetType: 'Policy', targetName: input.name, reason }, async (manager) => {
      if (await manager.getRepository(PolicyEntity).existsBy({ name: input.name })) throw CapstanException.conflict(`policy "${input.name}" already exists`);
      const definition = nextVersion(null, input);
      const entity = await this.save(manager, principal, manager.getRepository(PolicyEntity).create(), definition);
      return { result: entity, summary: { mode: definition.mode, version: 1, rules: definition.rules.length } };
    }));
  }

  /** A new version of a policy: the fields given replace the current ones. */
  update(principal: Principal, input: PolicyInput, reason?: string): Promise<PolicyEntity> {
    return this.announcing(this.audit.change(principal, { action: 'policy.update', targetType: 'Policy', targetName: input.name, reason }, async (manager) => {
      const entity = await manager.getRepository(PolicyEntity).createQueryBuilder('policy').setLock('pessimistic_write').where('policy.name = :name', { name: input.name }).getOne();
      if (!entity) throw CapstanException.notFound('policy', input.name);
      await refusingGitOwned(manager, entity);
      const before = { mode: entity.mode, version: entity.version };
      const definition = nextVersion(entity, input);
      await this.save(manager, principal, entity, definition);
      const { name: _name, ...changes } = input;
      return { result: entity, summary: { version: definition.version, before, after: { mode: definition.mode }, changed: Object.keys(definedFields(changes)) } };
    }));
  }

  delete(principal: Principal, name: string, reason?: string): Promise<PolicyEntity> {
    return this.announcing(this.audit.change(principal, { action: 'policy.delete', targetType: 'Policy', targetName: name, reason }, async (manager) => {
      const entity = await this.get(name, manager);
      await refusingGitOwned(manager, entity);
      await manager.getRepository(PolicyEntity).delete({ id: entity.id });
      return { result: entity, summary: { version: entity.version, mode: entity.mode } };
    }));
  }

  /**
   * Brings the policies of `source` in step with what its policy folder holds at `commitSha`:
   * new ones created, changed ones saved as their next version, those gone from git deleted — in
   * one transaction, audited as the source. A policy of the same name made through the API (or by
   * another source) is not taken over: the whole change is refused, naming it.
   */
  async syncFromSource(source: SourceEntity, commitSha: string, wanted: Policy[]): Promise<PolicySync> {
    // Most polls change nothing: then nothing is written, not even an audit entry.
    if (isEmptySync(syncPlan(source, await this.dataSource.getRepository(PolicyEntity).find(), wanted))) return { created: [], updated: [], deleted: [] };
    const actor = new SourcePrincipal(source.name);
    const reason = `commit ${commitSha.slice(0, 7)} of source ${source.name}`;
    return this.announcing(this.audit.change(actor, { action: 'policy.sync', targetType: 'Source', targetName: source.name, reason }, async (manager) => {
      const repository = manager.getRepository(PolicyEntity);
      const plan = syncPlan(source, await repository.createQueryBuilder('policy').setLock('pessimistic_write').getMany(), wanted);
      for (const { saved, definition } of [...plan.create, ...plan.update]) {
        await this.save(manager, actor, saved ?? repository.create({ sourceId: source.id }), { ...definition, version: (saved?.version ?? 0) + 1 });
      }
      for (const entity of plan.delete) await repository.delete({ id: entity.id });
      const outcome = { created: plan.create.map(({ definition }) => definition.name), updated: plan.update.map(({ definition }) => definition.name), deleted: plan.delete.map((entity) => entity.name) };
      return { result: outcome, summary: { commit: commitSha, ...outcome } };
    }));
  }

  /**
   * A policy from a ValidatingAdmissionPolicy manifest (YAML), with its binding when the manifest
   * holds one (its validationActions give the mode); `mode` overrides it.
   */
  importValidatingAdmissionPolicy(principal: Principal, manifest: string, mode: PolicyMode | undefined, reason?: string): Promise<PolicyEntity> {
    const objects = parseManifests(manifest);
    const vap = objects.find((object) => object.kind === 'ValidatingAdmissionPolicy');
    if (!vap) throw CapstanException.invalid('manifest', 'holds no ValidatingAdmissionPolicy');
    const binding = objects.find((object) => object.kind === 'ValidatingAdmissionPolicyBinding');
    const policy = refusingPolicyErrors('manifest', () => policyFromValidatingAdmissionPolicy(vap, binding));
    return this.create(principal, { ...policy, mode: mode ?? policy.mode }, reason);
  }

  /**
   * The one place that decides which policies are in force for each cluster, and how — for the
   * render-time gate, the policy set each agent judges by, and compliance alike: every policy whose
   * scope (at the version in force) takes the cluster in, at its saved version as saved, unless the
   * policy's latest rollout holds the cluster otherwise (`policyHeld`: audit until its stage is
   * enforced, what was in force before while pending, aborted or rolled back).
   */
  async inForceFor(manager: EntityManager, clusters: readonly ClusterWithGroups[]): Promise<Map<string, PolicyInForce[]>> {
    const inForce = new Map(clusters.map((cluster): [string, PolicyInForce[]] => [cluster.name, []]));
    if (clusters.length === 0) return inForce;
    const entities = await manager.getRepository(PolicyEntity).find({ order: { name: 'ASC' } });
    const latest = await this.latestRollouts(manager);
    for (const entity of entities) {
      const saved = { version: entity.version, mode: entity.mode };
      const held = new Map(clusters.map((cluster) => [cluster.name, policyHeld(saved, latest.get(entity.id) ?? null, cluster.name)]));
      const versions = await this.compiledVersions(manager, entity, new Set([...held.values()].map((hold) => hold.version)));
      for (const cluster of clusters) {
        const hold = held.get(cluster.name) ?? saved;
        const version = versions.get(hold.version);
        if (!version || !version.compiled.scope.includesCluster(cluster)) continue;
        inForce.get(cluster.name)?.push({ entity, version: hold.version, definition: { ...version.definition, mode: hold.mode }, compiled: version.compiled });
      }
    }
    return inForce;
  }

  /** The policy at one of its saved versions, compiled; null when no such version was saved. */
  async compiledVersion(manager: EntityManager, entity: PolicyEntity, version: number): Promise<CompiledVersion | null> {
    return (await this.compiledVersions(manager, entity, new Set([version]))).get(version) ?? null;
  }

  /** Each policy's latest rollout (by id), which alone may hold its clusters otherwise than as saved. */
  private async latestRollouts(manager: EntityManager): Promise<Map<string, PolicyRolloutRecord>> {
    const rollouts = await manager.getRepository(PolicyRolloutEntity).createQueryBuilder('rollout').distinctOn(['rollout.policy_id']).orderBy('rollout.policy_id').addOrderBy('rollout.sequence', 'DESC').getMany();
    return new Map(rollouts.map((rollout) => [rollout.policyId, rollout.record]));
  }

  private async compiledVersions(manager: EntityManager, entity: PolicyEntity, versions: ReadonlySet<number>): Promise<Map<number, CompiledVersion>> {
    const key = (version: number) => `${entity.id}@${version}`;
    const missing = [...versions].filter((version) => !this.compiled.has(key(version)));
    const definitions = new Map<number, Policy>();
    if (missing.includes(entity.version)) definitions.set(entity.version, definitionOf(entity));
    const older = missing.filter((version) => version !== entity.version);
    if (older.length > 0) {
      for (const row of await manager.getRepository(PolicyVersionEntity).findBy({ policyId: entity.id, version: In(older) })) definitions.set(row.version, { ...row.definition, version: row.version });
    }
    // Saved only once it compiled: compiling it again cannot fail.
    for (const [version, definition] of definitions) this.compiled.set(key(version), { definition, compiled: compilePolicy(definition) });
    const compiled = new Map<number, CompiledVersion>();
    for (const version of versions) {
      const known = this.compiled.get(key(version));
      if (known) compiled.set(version, known);
    }
    return compiled;
  }

  /** Once a change of the policies in force is committed, every cluster's agent is sent the set in force there (which changes nothing where it did not change). */
  private async announcing<T>(change: Promise<T>): Promise<T> {
    const result = await change;
    await this.announcePolicySets();
    return result;
  }

  /** Tells every cluster's agent the policies in force for it may have changed: each gets its set again, sent only where it did change. */
  async announcePolicySets(): Promise<void> {
    const clusters: Array<{ name: string }> = await this.dataSource.query(`SELECT name FROM clusters`);
    this.desiredStateEvents.changed(clusters.map((cluster) => cluster.name));
  }

  /** Compiles the definition (a client's mistake is INVALID_ARGUMENT naming the field, rule and position), then writes it and its version. */
  private async save(manager: EntityManager, principal: Principal, entity: PolicyEntity, definition: Policy): Promise<PolicyEntity> {
    refusingPolicyErrors('input', () => compilePolicy(definition));
    const { version, ...fields } = definition;
    Object.assign(entity, { ...fields, version: version ?? 1 });
    await manager.getRepository(PolicyEntity).save(entity);
    const versions = manager.getRepository(PolicyVersionEntity);
    await versions.save(versions.create({ policyId: entity.id, version: entity.version, definition, savedBy: principal.actor }));
    return entity;
  }
}

/** What a source's commit changes in the policies it owns. */
export interface PolicySync {
  created: string[];
  updated: string[];
  deleted: string[];
}

interface SyncPlan {
  create: Array<{ saved: null; definition: Policy }>;
  update: Array<{ saved: PolicyEntity; definition: Policy }>;
  delete: PolicyEntity[];
}

/**
 * Which policies `source` creates, saves anew or deletes for its policy folder to hold `wanted`.
 * A policy of the same name made through the API (or by another source) is not taken over: the
 * whole change is refused, naming it.
 */
function syncPlan(source: SourceEntity, existing: PolicyEntity[], wanted: Policy[]): SyncPlan {
  const byName = new Map(existing.map((entity) => [entity.name, entity]));
  const plan: SyncPlan = { create: [], update: [], delete: [] };
  for (const policy of wanted) {
    const { version: _version, ...definition } = policy;
    const saved = byName.get(policy.name);
    if (!saved) plan.create.push({ saved: null, definition });
    else if (saved.sourceId !== source.id) throw CapstanException.conflict(`policy "${policy.name}" of source ${source.name} exists already, made ${saved.sourceId ? 'by another source' : 'through the API'}: rename one of them`);
    else if (!sameDefinition(definitionOf(saved), definition)) plan.update.push({ saved, definition });
  }
  const kept = new Set(wanted.map((policy) => policy.name));
  plan.delete = existing.filter((entity) => entity.sourceId === source.id && !kept.has(entity.name));
  return plan;
}

const isEmptySync = (plan: SyncPlan) => plan.create.length + plan.update.length + plan.delete.length === 0;

/** A policy from git is changed in git: through the API it is CONFLICT, naming its source. */
async function refusingGitOwned(manager: EntityManager, entity: PolicyEntity): Promise<void> {
  if (entity.sourceId === null) return;
  const source = await manager.getRepository(SourceEntity).findOneBy({ id: entity.sourceId });
  throw CapstanException.conflict(`policy "${entity.name}" comes from git (source ${source?.name ?? entity.sourceId}, ${source?.policyPath ?? 'its policy folder'}): change it there`);
}

/** Whether two definitions say the same, whatever the order of their keys. */
function sameDefinition(saved: Omit<Policy, 'version'> & { version?: number }, wanted: Omit<Policy, 'version'>): boolean {
  const { version: _version, ...current } = saved;
  return canonicalJson(current as unknown as JsonValue) === canonicalJson(wanted as unknown as JsonValue);
}

function parseManifests(manifest: string): AdmissionObject[] {
  const documents = parseAllDocuments(manifest);
  const objects: AdmissionObject[] = [];
  for (const [index, document] of documents.entries()) {
    if (document.errors.length > 0) throw CapstanException.invalid('manifest', `document ${index + 1} is not valid YAML: ${document.errors[0].message}`);
    const value: unknown = document.toJSON();
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) objects.push(value as AdmissionObject);
  }
  return objects;
}
