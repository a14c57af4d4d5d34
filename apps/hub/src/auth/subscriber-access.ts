import { Injectable } from '@nestjs/common';
import type { AccessScope } from './access-policy';
import { AccessPolicyService } from './access-policy.service';
import { ApiTokensService } from './api-tokens.service';
import type { AuthenticatedRequest } from './current-principal.decorator';

/** How stale a subscription's view of its token and groups may be. */
export const subscriberAccessRefreshMs = 5_000;

/**
 * The scope of a long-lived subscription, worked out again from its token at most every few
 * seconds as changes arrive: a revoked token ends the subscription (UNAUTHENTICATED), and a
 * group that gains or loses clusters widens or narrows what it shows.
 */
@Injectable()
export class SubscriberAccess {
  private readonly checked = new WeakMap<AuthenticatedRequest, { at: number; scope: Promise<AccessScope> }>();

  constructor(
    private readonly tokens: ApiTokensService,
    private readonly policy: AccessPolicyService,
  ) {}

  scopeOf(request: AuthenticatedRequest, now = Date.now()): Promise<AccessScope> {
    const last = this.checked.get(request);
    if (last && now - last.at < subscriberAccessRefreshMs) return last.scope;
    const scope = this.tokens.authenticateHeader(request.headers.authorization).then((principal) => this.policy.scopeOf(principal));
    this.checked.set(request, { at: now, scope });
    return scope;
  }
}
