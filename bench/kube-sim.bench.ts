/**
 * kube-sim throughput: server-side applies per second over real HTTP (keep-alive, JSON apply
 * bodies) and watch events per second delivered, with 10,000 Deployments across 100 simulated
 * clusters. The server runs in its own process so that client and server each have a core.
 * Last stdout line: one JSON object.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { KubeSimServer } from '@capstan/kube-sim';

const clusterCount = Number(process.env.KUBE_SIM_BENCH_CLUSTERS ?? 100);
const objectsPerCluster = Number(process.env.KUBE_SIM_BENCH_OBJECTS_PER_CLUSTER ?? 100);
const concurrency = Number(process.env.KUBE_SIM_BENCH_CONCURRENCY ?? 32);
const clusterName = (index: number) => `bench-${index}`;

async function serveInThisProcess(): Promise<void> {
  // Controllers off: the figure is the API server's, not the simulated controllers'.
  const server = new KubeSimServer({ controllers: false, historySize: 50_000 });
  for (let index = 0; index < clusterCount; index++) server.addCluster(clusterName(index));
  await server.start(0);
  process.send?.({ url: server.url });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
}

function deployment(name: string, image: string): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name, 'app.kubernetes.io/managed-by': 'capstan' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image, ports: [{ containerPort: 8080 }], env: [{ name: 'MODE', value: 'bench' }], resources: { requests: { cpu: '100m' } } }] },
      },
    },
  });
}

function send(agent: Agent, url: URL, method: string, body: string, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method, agent, headers: { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), Accept: 'application/json' } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** One watch stream per cluster on Deployments; counts the events that arrive. */
function watchAll(base: string, counter: { events: number }): Array<() => void> {
  return Array.from({ length: clusterCount }, (_, index) => {
    const outgoing = request(new URL(`${base}/clusters/${clusterName(index)}/apis/apps/v1/namespaces/default/deployments?watch=true&resourceVersion=0`), (response) => {
      let pending = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        pending += chunk;
        let newline = pending.indexOf('\n');
        while (newline >= 0) {
          counter.events++;
          pending = pending.slice(newline + 1);
          newline = pending.indexOf('\n');
        }
      });
    });
    outgoing.on('error', () => undefined);
    outgoing.end();
    return () => outgoing.destroy();
  });
}

async function applyAll(base: string, agent: Agent, image: string): Promise<{ applies: number; seconds: number; failures: number }> {
  const jobs: Array<[URL, string]> = [];
  for (let object = 0; object < objectsPerCluster; object++) {
    for (let index = 0; index < clusterCount; index++) {
      const name = `app-${object}`;
      jobs.push([new URL(`${base}/clusters/${clusterName(index)}/apis/apps/v1/namespaces/default/deployments/${name}?fieldManager=capstan&force=true`), deployment(name, image)]);
    }
  }
  let next = 0;
  let failures = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < jobs.length) {
        const [url, body] = jobs[next++];
        const status = await send(agent, url, 'PATCH', body, 'application/apply-patch+yaml');
        if (status >= 300) failures++;
      }
    }),
  );
  return { applies: jobs.length, seconds: Number(process.hrtime.bigint() - started) / 1e9, failures };
}

async function main(): Promise<void> {
  const child: ChildProcess = fork(__filename, [], { env: { ...process.env, KUBE_SIM_BENCH_ROLE: 'server' }, execArgv: ['-r', require.resolve('../tools/register')] });
  const base = await new Promise<string>((resolve) => child.once('message', (message: { url: string }) => resolve(message.url)));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const counter = { events: 0 };
  const stopWatches = watchAll(base, counter);
  await new Promise((resolve) => setTimeout(resolve, 500));

  const create = await applyAll(base, agent, 'registry.example/app:1');
  const update = await applyAll(base, agent, 'registry.example/app:2');
  const unchanged = await applyAll(base, agent, 'registry.example/app:2');
  // Let the last events arrive before counting them.
  const expectedEvents = create.applies + update.applies;
  for (let waited = 0; counter.events < expectedEvents && waited < 5_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  const totalApplies = create.applies + update.applies + unchanged.applies;
  const totalSeconds = create.seconds + update.seconds + unchanged.seconds;

  for (const stop of stopWatches) stop();
  agent.destroy();
  child.disconnect();
  const round = (value: number) => Math.round(value);
  console.log(`create ${round(create.applies / create.seconds)}/s, update ${round(update.applies / update.seconds)}/s, unchanged ${round(unchanged.applies / unchanged.seconds)}/s`);
  console.log(
    JSON.stringify({
      benchmark: 'kube-sim',
      clusters: clusterCount,
      objects: clusterCount * objectsPerCluster,
      concurrency,
      appliesPerSecond: round(totalApplies / totalSeconds),
      createAppliesPerSecond: round(create.applies / create.seconds),
      updateAppliesPerSecond: round(update.applies / update.seconds),
      unchangedAppliesPerSecond: round(unchanged.applies / unchanged.seconds),
      watchEventsPerSecond: round(counter.events / (create.seconds + update.seconds)),
      watchEvents: counter.events,
      failures: create.failures + update.failures + unchanged.failures,
    }),
  );
}

if (process.env.KUBE_SIM_BENCH_ROLE === 'server') void serveInThisProcess();
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
