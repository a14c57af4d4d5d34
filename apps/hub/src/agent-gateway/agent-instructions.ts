import type { MessageInitShape } from '@bufbuild/protobuf';
import type { DriftEntity } from '@capstan/persistence';
import type { HubMessageSchema } from '@capstan/proto';

/** What the hub sends an agent on its Connect stream. */
export type HubMessageBody = MessageInitShape<typeof HubMessageSchema>['body'];

/** How long after an agent was last heard from it counts as connected. */
export const connectionDeadlineMs = 30_000;

/** Whether an agent last heard from at `lastSeenAt` counts as connected: the one rule the API, instructions and rollouts share. */
export function heardFromLately(lastSeenAt: Date | string | null | undefined, now = Date.now()): boolean {
  return lastSeenAt !== null && lastSeenAt !== undefined && now - new Date(lastSeenAt).getTime() < connectionDeadlineMs;
}

/** Re-apply the drifted object as git says it should be; the instruction carries the drift's id. */
export function healInstruction(drift: DriftEntity): HubMessageBody {
  return { case: 'heal', value: { instructionId: drift.id, application: drift.application?.name ?? '', action: { case: 'reapply', value: { objects: [drift.objectRef] } } } };
}

/** Pause (true) or resume (false) every application on a cluster. */
export function clusterControl(pause: boolean): HubMessageBody {
  return { case: 'heal', value: { instructionId: '', application: '', action: pause ? { case: 'pause', value: {} } : { case: 'resume', value: {} } } };
}

/** Re-apply one application (or all when `application` is empty) from scratch. */
export function resyncInstruction(application: string): HubMessageBody {
  return { case: 'heal', value: { instructionId: '', application, action: { case: 'resync', value: {} } } };
}
