import { isAbsolute, join, relative } from 'node:path';

/** Where the demo keeps its files, under the hub's state directory. */
export interface DemoPaths {
  dir: string;
  /** The demo's git repository, to commit to. */
  repository: string;
  /** Kubeconfig with one context per simulated cluster. */
  kubeconfig: string;
  clusterSnapshot: string;
  agents: string;
  logs: string;
  /** The demo's admin token (mode 0600), reused from one start to the next. */
  tokenFile: string;
  /** The hub's URL as it last started, for the repository's post-commit hook. */
  hubUrlFile: string;
}

export function demoPaths(stateDir: string): DemoPaths {
  const dir = join(stateDir, 'demo');
  return {
    dir,
    repository: join(dir, 'fleet'),
    kubeconfig: join(dir, 'kubeconfig'),
    clusterSnapshot: join(dir, 'clusters.json'),
    agents: join(dir, 'agents'),
    logs: join(dir, 'logs'),
    tokenFile: join(dir, 'admin-token'),
    hubUrlFile: join(dir, 'hub-url'),
  };
}

export const demoClusters = [
  { name: 'dev', labels: { env: 'dev', region: 'eu-west' } },
  { name: 'staging', labels: { env: 'staging', region: 'eu-west' } },
  { name: 'prod', labels: { env: 'prod', region: 'us-east' } },
] as const;

export const demoGroups = demoClusters.map((cluster) => ({ name: cluster.name, selector: `env=${cluster.labels.env}` }));

export const demoSourceName = 'demo';

export const demoPolicy = {
  name: 'baseline',
  description: 'containers may not gain privileges or run unpinned images; at most 10 replicas',
  mode: 'enforce',
  rules: [
    { type: 'builtin', id: 'allow-privilege-escalation' },
    { type: 'builtin', id: 'privileged-container' },
    { type: 'builtin', id: 'image-tag' },
    // CEL: also delivered to each cluster as a ValidatingAdmissionPolicy, refusing at the door.
    {
      type: 'cel',
      name: 'max-replicas',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], kinds: ['Deployment'], operations: ['CREATE', 'UPDATE'] }] },
      validations: [{ expression: '!has(object.spec.replicas) || object.spec.replicas <= 10', message: 'at most 10 replicas per Deployment' }],
    },
  ],
};

const stage = (name: string) => ({ name, groups: [name], minBakeTimeSeconds: 5, progressDeadlineSeconds: 30 });

export const demoApplication = {
  name: 'guestbook',
  source: demoSourceName,
  basePath: 'apps/guestbook/base',
  prune: true,
  targets: [
    { group: 'dev', overlayPath: 'apps/guestbook/overlays/dev' },
    { group: 'staging', overlayPath: 'apps/guestbook/overlays/staging' },
    { group: 'prod', overlayPath: 'apps/guestbook/overlays/production' },
  ],
  rolloutStrategy: { stages: [stage('dev'), stage('staging'), stage('prod')], onFailure: 'rollback' },
};

/** Something to try, with the shell commands that do it, each runnable as printed from the repository's directory. */
export interface DemoStep {
  title: string;
  commands: string[];
}

/** `path` as a user in `cwd` would type it: relative when inside, absolute otherwise. */
function shown(path: string, cwd: string): string {
  const inside = relative(cwd, path);
  return inside && !inside.startsWith('..') && !isAbsolute(inside) ? inside : path;
}

export function demoSteps(paths: DemoPaths, cwd: string): DemoStep[] {
  const repository = shown(paths.repository, cwd);
  const kubectl = `kubectl --kubeconfig ${shown(paths.kubeconfig, cwd)}`;
  return [
    {
      title: 'Commit a change and watch it roll out dev → staging → prod, each stage baked before the next',
      commands: [
        `sed -i 's/GREETING=hello/GREETING=hej/' ${repository}/apps/guestbook/base/kustomization.yaml`,
        `git -C ${repository} commit -qam 'Greet in Swedish'`,
        'npx capstan rollout status --app guestbook --watch',
      ],
    },
    {
      title: "Scale a Deployment behind git's back and see Capstan explain and heal the drift",
      commands: [`${kubectl} --context prod -n guestbook scale deployment guestbook --replicas=5`, 'npx capstan events --cluster prod --limit 4'],
    },
    {
      title: 'Roll back to the commit before',
      commands: [`npx capstan rollback guestbook --to $(git -C ${repository} rev-parse HEAD~1) --reason 'back to hello' --watch`],
    },
  ];
}

/** What `npm start` prints once the demo fleet is up, in plain words. */
export function demoBanner(info: { hubUrl: string; token: string; paths: DemoPaths; notConverged: string[]; cwd: string }): string {
  const { paths, cwd } = info;
  const lines = [
    '',
    'Capstan is running with a demo fleet.',
    '',
    `  GraphQL API      ${info.hubUrl}/graphql`,
    `  Admin token      ${info.token}   (kept in ${shown(paths.tokenFile, cwd)})`,
    `  Clusters         ${demoClusters.map((cluster) => cluster.name).join(', ')}, simulated; kubeconfig ${shown(paths.kubeconfig, cwd)}`,
    `  Git repository   ${shown(paths.repository, cwd)}  (application guestbook, policy baseline; commits reach the hub at once)`,
    `  Logs             ${shown(paths.logs, cwd)}  (clusters and agents)`,
    '',
    info.notConverged.length === 0
      ? 'guestbook is Synced and Healthy on every cluster.'
      : `Still converging: ${info.notConverged.join(', ')} (see the agents' logs if it stays so).`,
    '',
    'Try, in another terminal from this directory:',
    `  export CAPSTAN_HUB=${info.hubUrl} CAPSTAN_TOKEN=$(cat ${shown(paths.tokenFile, cwd)})`,
    '  npx capstan app get guestbook',
  ];
  for (const [index, step] of demoSteps(paths, cwd).entries()) lines.push('', `${index + 1}. ${step.title}:`, ...step.commands.map((command) => `  ${command}`));
  lines.push('', 'Ctrl-C stops the hub, the clusters and the agents; the next `npm start` picks up where this one left off.', '');
  return lines.join('\n');
}
