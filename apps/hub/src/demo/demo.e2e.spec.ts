import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repositoryRoot } from '../testing/hub-process';
import { eventually } from '../testing/wait';
import { referenceKubectl } from '../testing/reference-kubectl';

const kubectl = referenceKubectl;

/** `npm start` as a user runs it, in a process group of its own, with everything it prints. */
function npmStart(stateDir: string): { child: ChildProcess; output(): string; exited: Promise<number | string | null> } {
  const child = spawn('npm', ['start', '--', '--port', '0', '--grpc-port', '0', '--state-dir', stateDir], {
    cwd: repositoryRoot,
    env: { ...process.env, DATABASE_URL: '', NODE_OPTIONS: '', CAPSTAN_ADMIN_TOKEN: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // npm itself ends by the signal it was sent; what ran under it says how it stopped.
  return { child, output: () => output, exited: new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal))) };
}

/** The banner's "Try" section: the environment line, then each numbered step's commands, exactly as printed. */
function stepsOf(banner: string): { environment: string; steps: string[][] } {
  const lines = banner.split('\n');
  const environment = (lines.find((line) => line.trim().startsWith('export CAPSTAN_HUB=')) as string).trim();
  const steps: string[][] = [];
  for (const line of lines) {
    if (/^\d+\. /.test(line)) steps.push([]);
    else if (steps.length > 0 && line.startsWith('  ')) steps[steps.length - 1].push(line.trim());
  }
  return { environment, steps };
}

/** Runs `commands` in bash from the repository, as a user pastes them, with the reference kubectl on PATH. */
function run(environment: string, commands: string[]): { status: number | null; output: string } {
  const result = spawnSync('bash', ['-ec', [environment, ...commands].join('\n')], {
    cwd: repositoryRoot,
    env: { ...process.env, PATH: `${dirname(kubectl.path as string)}:${process.env['PATH']}`, NODE_OPTIONS: '', XDG_CONFIG_HOME: mkdtempSync(join(tmpdir(), 'capstan-demo-config-')) },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

const describeWithKubectl = kubectl.path ? describe : describe.skip;

describeWithKubectl('npm start: the demo fleet', () => {
  const stateDir = mkdtempSync(join(tmpdir(), 'capstan-demo-'));
  let demo: ReturnType<typeof npmStart> | undefined;

  let demoOutput = '';
  const stopDemo = async () => {
    if (!demo) return;
    const { child, exited, output } = demo;
    demo = undefined;
    process.kill(-(child.pid as number), 'SIGINT');
    const ended = await exited;
    demoOutput = output();
    return ended;
  };
  const bannerOf = async (started: ReturnType<typeof npmStart>) => {
    const output = await eventually(started.output, (text) => text.includes('Ctrl-C stops') || text.includes('could not start'), 90_000);
    expect(output).toContain('guestbook is Synced and Healthy on every cluster.');
    return output;
  };

  afterAll(async () => {
    await stopDemo();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('converges, and what its banner says to try works as printed: a commit rolls through the stages, drift is healed, a rollback', async () => {
    demo = npmStart(stateDir);
    const { environment, steps } = stepsOf(await bannerOf(demo));
    expect(steps).toHaveLength(3);

    const [commit, drift, rollback] = steps;
    const rolledOut = run(environment, commit);
    expect(rolledOut.status).toBe(0);
    expect(rolledOut.output).toContain('Source demo synced: commit');
    expect(rolledOut.output).toMatch(/Succeeded\s+dev Succeeded 1\/1 \| staging Succeeded 1\/1 \| prod Succeeded 1\/1/);
    // A stage began only after the one before it had succeeded.
    expect(rolledOut.output).not.toMatch(/dev (Pending|Progressing)[^\n]*staging Progressing/);

    // The drift is healed at once; its record (detected, instructed, healed, resolved) is what the events say.
    const scaled = run(environment, drift.slice(0, 1));
    expect(scaled.status).toBe(0);
    const events = await eventually(() => run(environment, drift.slice(1)).output, (text) => text.includes('drift.resolved'), 20_000);
    for (const type of ['drift.detected', 'heal.instructed', 'heal.succeeded', 'drift.resolved']) expect(events).toContain(type);
    expect(events).toContain('"changedBy":"kubect');
    const replicas = run(environment, [`kubectl --kubeconfig ${join(stateDir, 'demo/kubeconfig')} --context prod -n guestbook get deployment guestbook -o jsonpath='{.spec.replicas}'`]);
    expect(replicas.output.trim()).toBe('3');

    const rolledBack = run(environment, rollback);
    expect(rolledBack.status).toBe(0);
    expect(rolledBack.output).toContain('Rolling guestbook back to');
    expect(rolledBack.output).toMatch(/Succeeded\s+dev Succeeded 1\/1/);
  }, 300_000);

  it('stops every process on Ctrl-C, and the next npm start picks up the same fleet', async () => {
    expect([0, 'SIGINT']).toContain(await stopDemo());
    expect(demoOutput).not.toContain('error while stopping');
    // Nothing the demo started outlives it.
    expect(spawnSync('pgrep', ['-f', stateDir]).stdout.toString().trim()).toBe('');
    demo = npmStart(stateDir);
    const output = await bannerOf(demo);
    expect(output).not.toContain('Admin API token (shown once');
    const { environment } = stepsOf(output);
    const history = run(environment, ['npx capstan app history guestbook -o name']);
    expect(history.status).toBe(0);
    // The first commit, the change and the rollback's target: the database and the repository were kept.
    expect(history.output.trim().split('\n').length).toBeGreaterThanOrEqual(2);
  }, 180_000);
});
