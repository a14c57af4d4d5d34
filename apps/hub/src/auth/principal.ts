import type { TokenRole } from '@capstan/persistence';
import { tokenRoles } from '@capstan/persistence';

/** The caller of an API request, as its bearer token makes it. */
export class Principal {
  constructor(
    readonly tokenId: string,
    readonly tokenName: string,
    readonly role: TokenRole,
    /** Cluster groups this caller is limited to; null means the whole fleet (see access-policy.ts). */
    readonly groupScope: readonly string[] | null,
  ) {}

  /** How the caller appears in the audit log. */
  get actor(): string {
    return `token/${this.tokenName}`;
  }

  hasRole(required: TokenRole): boolean {
    return tokenRoles.indexOf(this.role) >= tokenRoles.indexOf(required);
  }
}

/** Capstan acting on what a git source says (its policy folder): audited as `source/<name>`, with an admin's reach. */
export class SourcePrincipal extends Principal {
  constructor(readonly source: string) {
    super('', source, 'admin', null);
  }

  override get actor(): string {
    return `source/${this.source}`;
  }
}
