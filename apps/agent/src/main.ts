import { agentCommand } from '@capstan/agent-engine';

/** The agent process as a cluster runs it (`node apps/agent/bin/agent.js --hub … --kubeconfig …`, or in-cluster). */
export function main(argv: string[]): void {
  agentCommand('capstan-agent')
    .parseAsync(argv)
    .catch((error: unknown) => {
      process.stderr.write(`capstan-agent: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    });
}
