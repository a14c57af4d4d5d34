import { agentCommand } from '@capstan/agent-engine';
import type { Command } from 'commander';

export function registerAgentCommand(program: Command): void {
  program.addCommand(agentCommand());
}
