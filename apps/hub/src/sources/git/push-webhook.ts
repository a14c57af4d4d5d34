import { createHmac, timingSafeEqual } from 'node:crypto';

/** A push a git host announced: which ref moved, and to which commit when the host says. */
export interface PushEvent {
  ref: string;
  after: string | null;
}

export type WebhookVerdict =
  | { kind: 'push'; push: PushEvent }
  | { kind: 'ignored'; reason: string }
  | { kind: 'refused'; reason: string };

type Headers = Readonly<Record<string, string | string[] | undefined>>;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function sameSecret(expected: Buffer, received: Buffer): boolean {
  return expected.length === received.length && timingSafeEqual(expected, received);
}

/**
 * Verifies and reads a push webhook. GitHub-style requests carry an HMAC-SHA256 of the raw body
 * (`X-Hub-Signature-256`), GitLab-style ones the shared secret itself (`X-Gitlab-Token`).
 */
export function readPushWebhook(headers: Headers, rawBody: Buffer, secret: string): WebhookVerdict {
  const signature = header(headers, 'x-hub-signature-256');
  const gitlabToken = header(headers, 'x-gitlab-token');
  if (signature) {
    const expected = `sha256=${createHmac('sha256', secret).update(rawBody).digest('hex')}`;
    if (!sameSecret(Buffer.from(expected), Buffer.from(signature))) return { kind: 'refused', reason: 'X-Hub-Signature-256 does not match the body' };
  } else if (gitlabToken !== undefined) {
    if (!sameSecret(Buffer.from(secret), Buffer.from(gitlabToken))) return { kind: 'refused', reason: 'X-Gitlab-Token does not match' };
  } else {
    return { kind: 'refused', reason: 'neither X-Hub-Signature-256 nor X-Gitlab-Token is present' };
  }
  const event = header(headers, 'x-github-event') ?? header(headers, 'x-gitlab-event');
  if (event && !['push', 'Push Hook', 'Tag Push Hook'].includes(event)) return { kind: 'ignored', reason: `event "${event}" is not a push` };
  let payload: { ref?: unknown; after?: unknown; checkout_sha?: unknown };
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { kind: 'ignored', reason: 'the body is not JSON' };
  }
  if (typeof payload.ref !== 'string') return { kind: 'ignored', reason: 'the payload names no ref' };
  const after = typeof payload.checkout_sha === 'string' ? payload.checkout_sha : typeof payload.after === 'string' ? payload.after : null;
  return { kind: 'push', push: { ref: payload.ref, after } };
}

/** Whether a pushed ref (`refs/heads/main`, `refs/tags/v1`) is the branch or tag a source follows. */
export function pushConcernsRef(push: PushEvent, followedRef: string): boolean {
  return push.ref === followedRef || push.ref === `refs/heads/${followedRef}` || push.ref === `refs/tags/${followedRef}`;
}
