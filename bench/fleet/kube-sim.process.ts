/**
 * The fleet benchmark's simulated clusters, in a process of their own so that the API server
 * they share neither competes with the agents for a core nor shows up in their memory.
 * Messages: `{ addClusters: string[] }` → `{ added: number }`; exits when its parent disconnects.
 * With `--controllers`, the simulated controllers run: Deployments become ready, so health gates can pass.
 */
import { KubeSimServer } from '@capstan/kube-sim';

async function serve(): Promise<void> {
  // Simulated controllers off unless asked for: what is measured is Capstan, not the simulated Deployments rolling out.
  const server = new KubeSimServer(process.argv.includes('--controllers') ? {} : { controllers: false });
  await server.start(0);
  process.on('message', (message: { addClusters: string[] }) => {
    for (const name of message.addClusters) server.addCluster(name);
    process.send?.({ added: message.addClusters.length });
  });
  process.on('disconnect', () => void server.stop().then(() => process.exit(0)));
  process.send?.({ url: server.url });
}

serve().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
