/** API token roles, from least to most powerful. */
export const tokenRoles = ['viewer', 'operator', 'admin'] as const;
export type TokenRole = (typeof tokenRoles)[number];

/** How the hub authenticates to a git remote. */
export const sourceAuthKinds = ['none', 'https-token', 'ssh-key'] as const;
export type SourceAuthKind = (typeof sourceAuthKinds)[number];

export const revisionStatuses = ['rendered', 'failed'] as const;
export type RevisionStatus = (typeof revisionStatuses)[number];
