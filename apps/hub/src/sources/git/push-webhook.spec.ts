import { createHmac } from 'node:crypto';
import { pushConcernsRef, readPushWebhook } from './push-webhook';

const secret = 'shared-secret';
const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) }));
const githubSignature = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('push webhooks', () => {
  it('accepts a GitHub push whose HMAC signature matches the body', () => {
    expect(readPushWebhook({ 'x-hub-signature-256': githubSignature, 'x-github-event': 'push' }, body, secret)).toEqual({
      kind: 'push',
      push: { ref: 'refs/heads/main', after: 'a'.repeat(40) },
    });
  });

  it('refuses a GitHub push signed with another secret or for another body', () => {
    expect(readPushWebhook({ 'x-hub-signature-256': githubSignature }, Buffer.from('{"ref":"refs/heads/evil"}'), secret).kind).toBe('refused');
    expect(readPushWebhook({ 'x-hub-signature-256': githubSignature }, body, 'other').kind).toBe('refused');
  });

  it('accepts a GitLab push carrying the shared secret, preferring checkout_sha', () => {
    const gitlabBody = Buffer.from(JSON.stringify({ ref: 'refs/tags/v1', after: 'b'.repeat(40), checkout_sha: 'c'.repeat(40) }));
    expect(readPushWebhook({ 'x-gitlab-token': secret, 'x-gitlab-event': 'Tag Push Hook' }, gitlabBody, secret)).toEqual({
      kind: 'push',
      push: { ref: 'refs/tags/v1', after: 'c'.repeat(40) },
    });
    expect(readPushWebhook({ 'x-gitlab-token': 'guess' }, gitlabBody, secret)).toEqual({ kind: 'refused', reason: 'X-Gitlab-Token does not match' });
  });

  it('refuses an unsigned request and ignores events that are not pushes', () => {
    expect(readPushWebhook({}, body, secret).kind).toBe('refused');
    expect(readPushWebhook({ 'x-hub-signature-256': githubSignature, 'x-github-event': 'ping' }, body, secret)).toEqual({ kind: 'ignored', reason: 'event "ping" is not a push' });
  });

  it.each([
    ['refs/heads/main', 'main', true],
    ['refs/tags/v1', 'v1', true],
    ['refs/heads/main', 'develop', false],
    ['refs/heads/release/main', 'main', false],
  ])('push to %s concerns a source following %s: %s', (ref, followed, expected) => {
    expect(pushConcernsRef({ ref, after: null }, followed)).toBe(expected);
  });
});
