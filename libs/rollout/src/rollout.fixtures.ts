/* Test fixtures: a simulated fleet that applies desired states and reports back, for the planner's specs. */
import { startRollout } from './rollout';
import { stepRollout } from './step';
import type { ClusterObservation, DesiredChange, FleetCluster, RevisionRef, RolloutRecord, RolloutStep, RolloutStrategy } from './types';

export type Reported = NonNullable<ClusterObservation['reported']>;

export const revision = (id: string): RevisionRef => ({ revisionId: id, bundleDigest: `sha256:${id}` });
export const running = revision('r1');
export const target = revision('r2');

export const seconds = (count: number): number => count * 1000;
export const t0 = 1_800_000_000_000;

export function report(ref: RevisionRef, overrides: Partial<Reported> = {}): Reported {
  return { bundleDigest: ref.bundleDigest, syncState: 'Synced', health: { status: 'Healthy', message: '' }, error: '', reportedAt: 0, ...overrides };
}

export const progressing = (message = 'waiting for 1 pod'): Partial<Reported> => ({ health: { status: 'Progressing', message } });
export const degraded = (message = 'pod web: CrashLoopBackOff'): Partial<Reported> => ({ health: { status: 'Degraded', message } });

export function fleetOf(names: readonly string[], labels: (name: string) => Record<string, string> = () => ({})): FleetCluster[] {
  return names.map((name) => ({ name, labels: labels(name), groups: [] }));
}

export const names = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}-${String(index).padStart(4, '0')}`);

/** Clusters as the hub would see them: each runs `running` until a desired state says otherwise and it converges. */
export class FleetSim {
  private readonly clusters = new Map<string, ClusterObservation>();
  /** When reports are made: the time of the last planning step (what runs before the rollout reported at 0). */
  clock = 0;

  constructor(clusterNames: readonly string[], runs: RevisionRef | null = running) {
    for (const cluster of clusterNames) {
      this.clusters.set(cluster, { cluster, connected: true, paused: false, desired: runs, reported: runs && report(runs), openDrift: false });
    }
  }

  observations(): ReadonlyMap<string, ClusterObservation> {
    return new Map([...this.clusters].map(([name, observation]) => [name, structuredClone(observation)]));
  }

  get(cluster: string): ClusterObservation {
    const observation = this.clusters.get(cluster);
    if (!observation) throw new Error(`no cluster ${cluster}`);
    return observation;
  }

  set(cluster: string, patch: Partial<ClusterObservation>): this {
    Object.assign(this.get(cluster), patch);
    return this;
  }

  /** The cluster reports its desired revision with these details (Synced and Healthy unless they say otherwise). */
  report(cluster: string, overrides: Partial<Reported> = {}, ref: RevisionRef | null = this.get(cluster).desired): this {
    this.get(cluster).reported = ref && report(ref, { reportedAt: this.clock, ...overrides });
    return this;
  }

  write(desired: readonly DesiredChange[]): this {
    for (const change of desired) this.get(change.cluster).desired = change.to;
    return this;
  }

  /** Every connected cluster whose report lags its desired state applies it, as `outcome` says (healthy by default). */
  converge(outcome: (cluster: string) => Partial<Reported> = () => ({})): this {
    for (const [name, observation] of this.clusters) {
      if (!observation.connected || observation.reported?.bundleDigest === observation.desired?.bundleDigest) continue;
      this.report(name, outcome(name));
    }
    return this;
  }

  updating(): string[] {
    return [...this.clusters.values()].filter((observation) => observation.reported?.bundleDigest !== observation.desired?.bundleDigest).map((observation) => observation.cluster);
  }
}

export interface Scenario {
  strategy: RolloutStrategy;
  sim: FleetSim;
  step: RolloutStep;
  now: number;
}

/** Starts a rollout of `target` to every cluster of the fleet, writing its desired states into the simulation. */
export function begin(strategy: RolloutStrategy, fleet: FleetCluster[], options: { sim?: FleetSim; now?: number; targets?: Record<string, RevisionRef> } = {}): Scenario {
  const sim = options.sim ?? new FleetSim(fleet.map((cluster) => cluster.name));
  const now = options.now ?? t0;
  const targets = options.targets ?? Object.fromEntries(fleet.map((cluster) => [cluster.name, target]));
  const step = startRollout({ revisionId: target.revisionId, strategy, fleet, targets, observations: sim.observations(), now });
  sim.write(step.desired);
  sim.clock = now;
  return { strategy, sim, step, now };
}

/** Steps at `now` from the scenario's record, writing the desired states into the simulation. */
export function stepAt(scenario: Scenario, now: number): RolloutStep {
  scenario.now = now;
  scenario.step = stepRollout({ strategy: scenario.strategy, record: scenario.step.record, observations: scenario.sim.observations(), now });
  scenario.sim.write(scenario.step.desired);
  scenario.sim.clock = now;
  return scenario.step;
}

export const clusterStates = (record: RolloutRecord): Record<string, string> =>
  Object.fromEntries(Object.values(record.clusters).map((cluster) => [cluster.cluster, cluster.state]));
