import type { Command } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { registerAgentCommand } from './agent.command';
import { registerAppCommands } from './app.command';
import { registerClusterCommands } from './cluster.command';
import { registerCompletionCommand } from './completion.command';
import { registerComplianceCommand } from './compliance.command';
import { registerDriftCommands } from './drift.command';
import { registerEventsCommands } from './events.command';
import { registerGroupCommands } from './group.command';
import { registerLoginCommands } from './login.command';
import { registerPolicyCommands } from './policy.command';
import { registerRenderCommand } from './render.command';
import { registerRolloutCommands } from './rollout.command';
import { registerSimCommand } from './sim.command';
import { registerSourceCommands } from './source.command';
import { registerTokenCommands } from './token.command';
import { registerVersionCommand } from './version.command';

/** Every `capstan` sub-command; each module adds its own to the program. */
export const cliCommands: ReadonlyArray<(program: Command, runtime: CliRuntime) => void> = [
  registerVersionCommand,
  registerLoginCommands,
  registerClusterCommands,
  registerGroupCommands,
  registerSourceCommands,
  registerAppCommands,
  registerRolloutCommands,
  registerDriftCommands,
  registerPolicyCommands,
  registerComplianceCommand,
  registerEventsCommands,
  registerTokenCommands,
  registerRenderCommand,
  registerAgentCommand,
  registerSimCommand,
  registerCompletionCommand,
];
