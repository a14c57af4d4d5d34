import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@capstan/hub/src/testing/free-port';
import { TestGitRepository } from '@capstan/hub/src/testing/git-repository';
import { startTestHub, type TestHub } from '@capstan/hub/src/testing/test-hub';
import { until } from '@capstan/hub/src/testing/wait';
import { run } from './main';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

const configMap = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: shop\ndata:\n  release: "${value}"\n`;

describe('capstan against a hub, through its GraphQL API', () => {
  let hub: TestHub;
  let configHome: string;
  let repository: TestGitRepository;

  /** Runs the CLI's main function in this process, as `capstan ARGS` with XDG_CONFIG_HOME in a temporary folder. */
  async function capstan(args: string[], env: Record<string, string> = {}, interrupt?: AbortSignal, stdin = ''): Promise<Run> {
    let stdout = '';
    let stderr = '';
    const code = await run(['node', 'capstan', ...args], {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      env: { XDG_CONFIG_HOME: configHome, ...env },
      interrupt,
      readStdin: () => stdin,
    });
    return { code, stdout, stderr };
  }

  beforeAll(async () => {
    hub = await startTestHub('pglite');
    configHome = mkdtempSync(join(tmpdir(), 'capstan-cli-'));
    repository = await TestGitRepository.create();
    await repository.commit({ 'apps/shop/kustomization.yaml': 'resources:\n  - settings.yaml\n', 'apps/shop/settings.yaml': configMap('1') }, 'Release 1');
  }, 60_000);
  afterAll(async () => {
    await hub.close();
    repository.remove();
    rmSync(configHome, { recursive: true, force: true });
  });

  it('logs in, keeping the hub and token as the current context in a file only its owner may read, and never prints the token', async () => {
    const login = await capstan(['login', '--hub', `${hub.endpoints.url}/`, '--token', hub.adminToken, '--context', 'test']);
    expect(login).toEqual({ code: 0, stdout: `Logged in to ${hub.endpoints.url} as token "admin" (role admin); context "test" is now current.\n`, stderr: '' });
    const file = join(configHome, 'capstan', 'config.json');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ current: 'test', contexts: { test: { hub: hub.endpoints.url, token: hub.adminToken } } });
    expect([statSync(file).mode & 0o777, statSync(join(configHome, 'capstan')).mode & 0o777]).toEqual([0o600, 0o700]);

    // A token read from standard input stays out of the shell's history.
    const elsewhere = { XDG_CONFIG_HOME: join(configHome, 'elsewhere') };
    expect(await capstan(['login', '--hub', hub.endpoints.url, '--token', '-', '--context', 'piped'], elsewhere, undefined, `${hub.adminToken}\n`)).toMatchObject({ code: 0, stdout: expect.stringContaining('context "piped" is now current') });
    expect(await capstan(['login', '--hub', hub.endpoints.url, '--token', '-', '--context', 'empty'], elsewhere, undefined, '\n')).toMatchObject({ code: 2, stderr: 'capstan: --token -: standard input held no token\n' });
    const contexts = await capstan(['context', 'list', '-o', 'json']);
    expect(JSON.parse(contexts.stdout)).toEqual([{ name: 'test', hub: hub.endpoints.url, current: true }]);
    expect(contexts.stdout + (await capstan(['context', 'list'])).stdout).not.toContain(hub.adminToken);
  });

  it("registers a cluster and prints its agent's install manifests, with when its token expires", async () => {
    const registered = await capstan(['cluster', 'register', 'eu-1', '--label', 'env=prod', '--label', 'region=eu', '--reason', 'new region']);
    expect(registered.code).toBe(0);
    const objects = registered.stdout.split(/^---$/m).map((document) => /^kind: (\w+)$/m.exec(document)?.[1]);
    expect(objects).toEqual(expect.arrayContaining(['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Secret', 'NetworkPolicy', 'Deployment']));
    expect(registered.stdout).toMatch(/bootstrap-token: \S+/);
    expect(registered.stderr).toMatch(/Cluster eu-1 is registered \(Pending until its agent connects\)\. Its bootstrap token works once and expires \d{4}-\d\d-\d\dT[\d:.]+Z \(in 59m\)\./);
    const listed = await capstan(['cluster', 'list', '-o', 'json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ name: 'eu-1', state: 'Pending', labels: { env: 'prod', region: 'eu' } })]);
  });

  it('prints the shell command that runs an agent by hand with --agent-command, and narrows the RBAC with --namespace and --resource', async () => {
    const command = await capstan(['cluster', 'register', 'eu-1', '--agent-command']);
    expect(command.code).toBe(0);
    expect(command.stdout).toMatch(/^mkdir -p "\$HOME\/\.capstan\/agents\/eu-1".*npx capstan agent --hub \S+ --insecure .*--token 'capstan_[\w-]+'.*\n$/s);
    const narrowed = await capstan(['cluster', 'register', 'eu-1', '--namespace', 'shop', '--resource', 'apps/deployments', '--resource', 'configmaps']);
    expect(narrowed.code).toBe(0);
    expect(narrowed.stdout).toMatch(/kind: Role\nmetadata:\n(.*\n)*? {2}namespace: shop\n/);
    expect(narrowed.stdout).toContain('- deployments');
    // Not everything on everything, as by default.
    expect((await capstan(['cluster', 'register', 'eu-1'])).stdout).toContain("- '*'");
    expect(narrowed.stdout).not.toContain("- '*'");
    const half = await capstan(['cluster', 'register', 'eu-1', '--namespace', 'shop']);
    expect([half.code, half.stderr]).toEqual([2, expect.stringContaining('--namespace and --resource narrow the agent together')]);
  });

  it('creates cluster groups and lists them as an aligned table and as JSON', async () => {
    expect(await capstan(['group', 'create', 'prod', '--selector', 'env=prod'])).toEqual({ code: 0, stdout: 'Cluster group prod created.\n', stderr: '' });
    expect((await capstan(['group', 'create', 'labs', '--member', 'lab-1', '--member', 'lab-2', '--description', 'the lab'])).code).toBe(0);
    const table = await capstan(['group', 'list']);
    expect(table).toEqual({
      code: 0,
      stdout: ['NAME   SELECTOR   MEMBERS       HEAL POLICY   DESCRIPTION', 'labs   -          lab-1,lab-2   -             the lab', 'prod   env=prod   -             -             -', ''].join('\n'),
      stderr: '',
    });
    const json = await capstan(['group', 'list', '-o', 'json']);
    expect(JSON.parse(json.stdout)).toEqual([
      { name: 'labs', selector: null, members: ['lab-1', 'lab-2'], description: 'the lab', healPolicy: null },
      { name: 'prod', selector: 'env=prod', members: [], description: '', healPolicy: null },
    ]);
    expect((await capstan(['group', 'get', 'prod'])).stdout).toMatch(/Clusters:\n {2}NAME {3}STATE\n {2}eu-1 {3}Pending\n$/);
  });

  it('refuses a wrong token with exit code 4 and says how to log in again', async () => {
    const refused = await capstan(['cluster', 'list'], { CAPSTAN_TOKEN: 'capstan_not-a-valid-token' });
    expect(refused).toEqual({ code: 4, stdout: '', stderr: `capstan: the bearer token is not valid (hub ${hub.endpoints.url}): log in again with capstan login, or check CAPSTAN_TOKEN\n` });
    expect((await capstan(['login', '--hub', hub.endpoints.url, '--token', 'capstan_wrong', '--context', 'wrong'])).code).toBe(4);
    // A refused login keeps nothing.
    expect(JSON.parse((await capstan(['context', 'list', '-o', 'json'])).stdout).map((context: { name: string }) => context.name)).toEqual(['test']);
  });

  it('answers a cluster that does not exist with exit code 3', async () => {
    expect(await capstan(['cluster', 'get', 'nowhere'])).toEqual({ code: 3, stdout: '', stderr: 'capstan: cluster "nowhere" not found\n' });
    expect((await capstan(['cluster', 'pause', 'nowhere', '--reason', 'maintenance'])).code).toBe(3);
  });

  it('cannot reach a hub on a closed port: exit code 5', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    expect(await capstan(['cluster', 'list'], { CAPSTAN_HUB: closed })).toEqual({ code: 5, stdout: '', stderr: `capstan: cannot reach the hub at ${closed}: connection refused\n` });
    expect((await capstan(['rollout', 'status', '00000000-0000-4000-8000-000000000000', '--watch'], { CAPSTAN_HUB: closed })).code).toBe(5);
  });

  it('refuses invalid input with exit code 2: usage errors, and what the hub finds INVALID_ARGUMENT', async () => {
    const usage = await capstan(['cluster', 'get']);
    expect(usage).toMatchObject({ code: 2, stdout: '', stderr: expect.stringMatching(/^capstan: missing required argument 'name'\n/) });
    expect((await capstan(['cluster', 'list', '-o', 'xml'])).code).toBe(2);
    expect((await capstan(['cluster', 'register', 'eu-2', '--label', 'no-equals'])).stderr).toContain('--label expects key=value, got "no-equals"');
    expect((await capstan(['cluster', 'list', '--context', 'nope'])).code).toBe(3);
    const invalid = await capstan(['cluster', 'register', 'Not A Name']);
    expect(invalid).toMatchObject({ code: 2, stdout: '' });
    expect(invalid.stderr).toMatch(/^capstan: input\.name: .+\n$/);
    expect(invalid.stderr).not.toMatch(/\bat \S+\.ts:\d+/);
  });

  it('answers a name taken already with exit code 6', async () => {
    expect(await capstan(['group', 'create', 'prod', '--selector', 'env=prod'])).toEqual({ code: 6, stdout: '', stderr: 'capstan: cluster group "prod" already exists\n' });
  });

  it('picks the context named by --context, before or after the command, or CAPSTAN_HUB and CAPSTAN_TOKEN without one', async () => {
    expect(await capstan(['--context', 'test', 'cluster', 'list', '-o', 'name'])).toEqual({ code: 0, stdout: 'eu-1\n', stderr: '' });
    expect((await capstan(['cluster', 'list', '-o', 'name', '--context', 'test'])).stdout).toBe('eu-1\n');
    const elsewhere = mkdtempSync(join(tmpdir(), 'capstan-cli-empty-'));
    try {
      const listed = await capstan(['cluster', 'list', '-o', 'name'], { XDG_CONFIG_HOME: elsewhere, CAPSTAN_HUB: hub.endpoints.url, CAPSTAN_TOKEN: hub.adminToken });
      expect(listed).toEqual({ code: 0, stdout: 'eu-1\n', stderr: '' });
      expect((await capstan(['cluster', 'list'], { XDG_CONFIG_HOME: elsewhere })).code).toBe(2);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it('reads every list and object it shows with queries the hub accepts', async () => {
    await capstan(['token', 'create', 'reader', '--role', 'viewer']);
    for (const args of [
      ['cluster', 'get', 'eu-1'],
      ['source', 'list'],
      ['app', 'list'],
      ['rollout', 'list'],
      ['drift', 'list'],
      ['drift', 'list', '--cluster', 'eu-1'],
      ['policy', 'list'],
      ['compliance'],
      ['compliance', '--cluster', 'eu-1'],
      ['events', '--limit', '5'],
      ['audit', '--actor', 'token/admin'],
      ['token', 'list'],
    ]) {
      expect([args.join(' '), await capstan(args)]).toEqual([args.join(' '), expect.objectContaining({ code: 0 })]);
    }
    expect((await capstan(['audit', '-o', 'json'])).stdout).toContain('"action": "cluster.registration.create"');
  });

  it('changes the fleet: pauses and resumes a cluster, makes and revokes a token, deletes a cluster', async () => {
    expect((await capstan(['cluster', 'register', 'lab-9', '--label', 'env=lab', '--agent-command'])).code).toBe(0);
    expect((await capstan(['cluster', 'pause', 'lab-9', '--reason', 'maintenance'])).stdout).toContain('lab-9');
    expect(JSON.parse((await capstan(['cluster', 'get', 'lab-9', '-o', 'json'])).stdout)).toMatchObject({ paused: true });
    expect((await capstan(['cluster', 'resume', 'lab-9', '--reason', 'done'])).code).toBe(0);
    expect(JSON.parse((await capstan(['cluster', 'get', 'lab-9', '-o', 'json'])).stdout)).toMatchObject({ paused: false });
    const created = await capstan(['token', 'create', 'ci-bot', '--role', 'operator', '-o', 'json']);
    const { secret } = JSON.parse(created.stdout) as { secret: string };
    expect((await capstan(['cluster', 'list', '-o', 'name'], { CAPSTAN_HUB: hub.endpoints.url, CAPSTAN_TOKEN: secret })).code).toBe(0);
    expect((await capstan(['token', 'revoke', 'ci-bot', '--reason', 'rotated'])).code).toBe(0);
    expect((await capstan(['cluster', 'list'], { CAPSTAN_HUB: hub.endpoints.url, CAPSTAN_TOKEN: secret })).code).toBe(4);
    expect((await capstan(['cluster', 'delete', 'lab-9', '--reason', 'gone'])).stdout).toBe('Cluster lab-9 deleted.\n');
    expect((await capstan(['cluster', 'get', 'lab-9'])).code).toBe(3);
  });

  it('creates a policy from YAML, saves it again as its next version, and shows what a draft would find', async () => {
    const file = join(configHome, 'policy.yaml');
    writeFileSync(file, 'name: no-privilege\ndescription: no privileged containers\nmode: audit\nrules:\n  - type: builtin\n    id: privileged-container\n');
    expect(await capstan(['policy', 'apply', '-f', file])).toEqual({ code: 0, stdout: 'Policy no-privilege created: version 1, mode audit.\n', stderr: '' });
    writeFileSync(file, JSON.stringify({ name: 'no-privilege', mode: 'warn' }));
    expect((await capstan(['policy', 'apply', '-f', file])).stdout).toBe('Policy no-privilege updated: version 2, mode warn.\n');
    expect(JSON.parse((await capstan(['policy', 'get', 'no-privilege', '-o', 'json'])).stdout)).toMatchObject({ version: 2, mode: 'warn', source: null, versions: [{ version: 2 }, { version: 1 }] });
    expect(JSON.parse((await capstan(['policy', 'impact', '-f', file, '-o', 'json'])).stdout)).toMatchObject({ version: 3, wouldBlock: false, objects: 0 });
    writeFileSync(file, 'name: x\nrulez: []\n');
    expect(await capstan(['policy', 'apply', '-f', file])).toMatchObject({ code: 2, stderr: `capstan: ${file}: field 'rulez': is not a policy field (name, description, mode, scope, exemptions, rules)\n` });
  });

  it('rolls a policy version out audit → enforce: starts, shows, pauses, resumes and aborts it', async () => {
    const strategy = join(configHome, 'policy-strategy.yaml');
    writeFileSync(strategy, 'stages:\n  - name: eu\n    selector: region=eu\n    minBakeTimeSeconds: 60\nallowance: 0\n');
    const started = await capstan(['policy', 'rollout', 'start', 'no-privilege', '-f', strategy, '--reason', 'stage it', '-o', 'json']);
    expect(started.code).toBe(0);
    const { id } = JSON.parse(started.stdout) as { id: string };
    expect((await capstan(['policy', 'rollout', 'status', id])).stdout).toMatch(/Policy: +no-privilege version 2[\s\S]*eu +eu-1/);
    expect((await capstan(['policy', 'rollout', 'pause', id, '--reason', 'hold'])).stdout).toMatch(new RegExp(`^Policy rollout ${id} paused: Paused`));
    expect((await capstan(['policy', 'rollout', 'resume', id, '--reason', 'go'])).code).toBe(0);
    expect((await capstan(['policy', 'rollout', 'abort', id, '--reason', 'not now'])).stdout).toMatch(new RegExp(`^Policy rollout ${id} aborted: Aborted`));
    expect(JSON.parse((await capstan(['policy', 'rollout', 'list', '--policy', 'no-privilege', '-o', 'json'])).stdout)).toEqual([expect.objectContaining({ id, state: 'Aborted' })]);
    expect((await capstan(['policy', 'rollout', 'start', 'no-privilege', '-f', strategy])).code).toBe(2);
  });

  describe('rollouts', () => {
    let firstCommit: string;
    const rolloutsOf = async (state?: string) => JSON.parse((await capstan(['rollout', 'list', '--app', 'shop', ...(state ? ['--state', state] : []), '-o', 'json'])).stdout) as Array<{ id: string; state: string; commitSha: string }>;

    beforeAll(async () => {
      expect((await capstan(['source', 'add', 'fleet', '--url', repository.url, '--poll-interval', '3600'])).code).toBe(0);
      const strategy = join(configHome, 'strategy.yaml');
      writeFileSync(strategy, 'stages:\n  - name: eu\n    selector: region=eu\n    approvalBefore: true\n');
      expect((await capstan(['app', 'create', 'shop', '--source', 'fleet', '--path', 'apps/shop', '--target', 'prod', '--strategy-file', strategy])).code).toBe(0);
      expect((await capstan(['app', 'get', 'shop'])).stdout).toContain('Rollout:      in stages: eu');
      await until(async () => (await rolloutsOf('WaitingForApproval')).length === 1);
      firstCommit = (await rolloutsOf())[0].commitSha;
    }, 60_000);

    it('follows a rollout live until it succeeds (exit 0), printing its state and stage progress at each change', async () => {
      const [waiting] = await rolloutsOf('WaitingForApproval');
      const watching = capstan(['rollout', 'status', waiting.id, '--watch']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await capstan(['rollout', 'approve', waiting.id, '--stage', 'eu', '--reason', 'release manager'])).code).toBe(0);
      const watched = await watching;
      expect(watched).toMatchObject({ code: 0, stderr: '' });
      const lines = watched.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}WaitingForApproval \(stage eu waits for approval before it starts\) {2}eu WaitingForApproval 0\/1 {2}waiting on approval-before of stage eu$/);
      expect(lines.at(-1)).toMatch(/^\d\d:\d\d:\d\d {2}Succeeded {2}eu Succeeded 0\/1 \(1 skipped\)$/);
      expect((await capstan(['app', 'history', 'shop'])).stdout).toMatch(new RegExp(`^REVISION +COMMIT +STATUS +BLOCKED CLUSTERS +CREATED +MESSAGE\n\\S+ +${firstCommit.slice(0, 7)} +rendered +- +\\d+s +Release 1\n$`));
    });

    it('exits 7 when the followed rollout ends otherwise, here aborted', async () => {
      await repository.commit({ 'apps/shop/settings.yaml': configMap('2') }, 'Release 2');
      expect((await capstan(['source', 'sync', 'fleet'])).stdout).toMatch(/^Source fleet synced: commit [0-9a-f]{7} rendered\.\n$/);
      await until(async () => (await rolloutsOf('WaitingForApproval')).length === 1);
      const [waiting] = await rolloutsOf('WaitingForApproval');
      const watching = capstan(['rollout', 'status', waiting.id, '--watch', '-o', 'json']);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect((await capstan(['rollout', 'abort', waiting.id])).code).toBe(2);
      expect((await capstan(['rollout', 'abort', waiting.id, '--reason', 'not today'])).stdout).toMatch(new RegExp(`^Rollout ${waiting.id} aborted: Aborted`));
      const watched = await watching;
      expect(watched).toMatchObject({ code: 7, stderr: `capstan: rollout ${waiting.id} ended Aborted: not today\n` });
      expect(watched.stdout.trimEnd().split('\n').map((line) => (JSON.parse(line) as { state: string }).state)).toEqual(['WaitingForApproval', 'Aborted']);
    });

    it("diffs what a cluster runs between two revisions, and asks a cluster's agent to apply afresh only when it is connected", async () => {
      const [release2] = await rolloutsOf('Aborted');
      const diff = await capstan(['app', 'diff', 'shop', '--cluster', 'eu-1', '--from', firstCommit.slice(0, 7), '--to', release2.commitSha]);
      expect(diff.code).toBe(0);
      expect(diff.stdout).toContain('-  release: "1"\n+  release: "2"');
      // No agent runs here: the hub says so, and the CLI exits as for a conflict.
      expect(await capstan(['app', 'sync', 'shop', '--cluster', 'eu-1', '--reason', 'check'])).toEqual({ code: 6, stdout: '', stderr: 'capstan: the agent of cluster eu-1 is not connected\n' });
      expect((await capstan(['app', 'diff', 'shop', '--cluster', 'eu-1', '--from', 'zzzzzzz'])).code).toBe(2);
    });

    it('rolls back to an earlier commit at once, given its sha', async () => {
      const rolledBack = await capstan(['rollback', 'shop', '--to', firstCommit.slice(0, 8), '--reason', 'back to release 1', '--immediate', '--watch']);
      expect(rolledBack).toMatchObject({ code: 0, stderr: expect.stringMatching(new RegExp(`^Rolling shop back to ${firstCommit.slice(0, 7)}: rollout \\S+\n$`)) });
      expect(rolledBack.stdout.trimEnd().split('\n').at(-1)).toMatch(/ {2}Succeeded {2}/);
    });

    it('stops following at an interrupt with exit code 130', async () => {
      const interrupt = new AbortController();
      const watching = capstan(['drift', 'list', '--watch'], {}, interrupt.signal);
      await new Promise((resolve) => setTimeout(resolve, 500));
      interrupt.abort();
      expect(await watching).toEqual({ code: 130, stdout: '', stderr: 'No open drift found.\nFollowing drift (Ctrl-C to stop)…\ncapstan: stopped following drift\n' });
    });
  });
});
