import { SetMetadata } from '@nestjs/common';
import type { TokenRole } from '@capstan/persistence';

export const requiredRoleKey = 'capstan:required-role';

/** The least role a resolver needs; without it, any valid token (viewer) may call. */
export const RequiredRole = (role: TokenRole) => SetMetadata(requiredRoleKey, role);
