import type { TokenRole } from '@capstan/persistence';
import { tokenRoles } from '@capstan/persistence';
import { CapstanException } from '../common/capstan.exception';

/** The caller of an API request, as its bearer token makes it. */
export class Principal {
  constructor(
    readonly tokenId: string,
    readonly tokenName: string,
    readonly role: TokenRole,
    /** Cluster groups this caller may change; null means all. */
    readonly groupScope: readonly string[] | null,
  ) {}

  /** How the caller appears in the audit log. */
  get actor(): string {
    return `token/${this.tokenName}`;
  }

  hasRole(required: TokenRole): boolean {
    return tokenRoles.indexOf(this.role) >= tokenRoles.indexOf(required);
  }

  /** Refuses unless every group named is within the caller's scope. */
  assertMayChangeGroups(groups: readonly string[], what: string): void {
    if (this.groupScope === null) return;
    const outside = groups.filter((group) => !this.groupScope?.includes(group));
    if (outside.length > 0 || groups.length === 0) {
      throw CapstanException.permissionDenied(
        `${this.actor} is scoped to cluster groups [${this.groupScope.join(', ')}] and may not change ${what}` +
          (outside.length ? ` (it concerns ${outside.join(', ')})` : ' (it belongs to no group in scope)'),
      );
    }
  }

  /** Refuses a caller limited to some groups: the change concerns the whole fleet. */
  assertUnscoped(what: string): void {
    if (this.groupScope !== null) {
      throw CapstanException.permissionDenied(`${this.actor} is scoped to cluster groups and may not change ${what}, which concern the whole fleet`);
    }
  }
}
