/**
 * Fleet-wide policy: how fast libs/policy judges objects, and how long `policyImpact` takes over a
 * fleet. Figures:
 * - evaluationsPerSecond: object × rule evaluations on one core over a realistic ~500-object
 *   bundle, every built-in rule plus five CEL rules (see policy-evaluation.ts);
 * - celLibraries: the five CEL rules alone, per CEL library;
 * - impactMs: `policyImpact` of that policy through the hub's GraphQL API over
 *   POLICY_BENCH_CLUSTERS (1,000) registered clusters that each should run the ~500 objects, in
 *   10 groups whose variables make 10 distinct bundles (clusters running the same bundles are
 *   judged once, as the hub does); the median of three.
 * Last stdout line: one JSON object.
 */
import { stringify } from 'yaml';
import { TestGitRepository } from '../apps/hub/src/testing/git-repository';
import { HubProcess, log, median, until } from './fleet/processes';
import { baselinePolicy, measureEvaluations, realisticBundle } from './policy-evaluation';

const clusterCount = Number(process.env.POLICY_BENCH_CLUSTERS ?? 1_000);
const groupCount = 10;

function platformFiles(): Record<string, string> {
  const objects = [...realisticBundle(), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'flavour', namespace: 'team-0', labels: { team: 't0' } }, data: { flavour: '${var.flavour}' } }];
  return {
    'apps/platform/kustomization.yaml': 'resources:\n  - objects.yaml\n',
    'apps/platform/objects.yaml': objects.map((object) => stringify(object)).join('---\n'),
  };
}

async function main(): Promise<void> {
  log('evaluating in process');
  const evaluation = await measureEvaluations();
  const repository = await TestGitRepository.create();
  const hub = await HubProcess.start();
  try {
    await repository.commit(platformFiles(), 'The platform');
    await hub.graphql(`mutation($url: String!) { createSource(input: { name: "platform", url: $url, pollIntervalSeconds: 3600 }) { name } }`, { url: repository.url });
    const groups = Array.from({ length: groupCount }, (_, index) => `ring-${index}`);
    for (const [index, group] of groups.entries()) {
      await hub.graphql(`mutation($name: String!, $selector: String!, $variables: StringMap) { createClusterGroup(input: { name: $name, selector: $selector, variables: $variables }) { name } }`, { name: group, selector: `ring=${index}`, variables: { flavour: `f${index}` } });
    }
    const names = Array.from({ length: clusterCount }, (_, index) => `policy-${index}`);
    for (let ring = 0; ring < groupCount; ring++) await hub.registerClusters(names.filter((_, index) => index % groupCount === ring), { ring: String(ring) });
    // Created once the clusters are registered, its first revision is rendered for every one of them.
    await hub.graphql(`mutation($targets: [ApplicationTargetInput!]) { createApplication(input: { name: "platform", source: "platform", basePath: "apps/platform", targets: $targets }) { name } }`, { targets: groups.map((group) => ({ group })) });
    await until(
      'the platform rendered for every cluster',
      async () => {
        const data = await hub.graphql<{ revisions: { edges: Array<{ node: { clusterDigests: Record<string, string> } }> } }>(`{ revisions(application: "platform", first: 1) { edges { node { clusterDigests } } } }`);
        return Object.keys(data.revisions.edges[0]?.node.clusterDigests ?? {}).length === clusterCount;
      },
      600_000,
      1_000,
    );
    log(`${clusterCount} clusters should run ${platformFiles()['apps/platform/objects.yaml'].split('---').length} objects each`);

    const { name: _name, ...draft } = baselinePolicy();
    const timings: number[] = [];
    let impact: { clusters: number; objects: number; wouldBlock: boolean } | undefined;
    for (let run = 0; run < 3; run++) {
      const started = performance.now();
      const data = await hub.graphql<{ policyImpact: { clusters: number; objects: number; wouldBlock: boolean } }>(
        `query($input: PolicyInput!) { policyImpact(input: $input) { clusters objects wouldBlock } }`,
        { input: { name: 'baseline', ...draft } },
      );
      timings.push(performance.now() - started);
      impact = data.policyImpact;
    }
    log(`policyImpact: ${JSON.stringify(impact)} in ${timings.map((ms) => Math.round(ms)).join(', ')} ms`);
    console.log(
      JSON.stringify({
        benchmark: 'policy',
        evaluationsPerSecond: evaluation.evaluationsPerSecond,
        celLibraries: evaluation.celLibraries,
        impactMs: Math.round(median(timings)),
        impactClusters: clusterCount,
        objectsPerCluster: platformFiles()['apps/platform/objects.yaml'].split('---').length,
        distinctBundles: groupCount,
        violatingObjects: impact?.objects,
      }),
    );
  } finally {
    await hub.stop();
    repository.remove();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
