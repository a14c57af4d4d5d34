import { type Command, Option } from 'commander';
import type { CliRuntime } from '../cli-runtime';
import { collectNodes, type Connection, connectionFields } from '../hub/connection-pages';
import type { ListView } from '../output/output';
import { formatAge } from '../output/time';
import { hubCommand, onHub, withReason } from './hub-command';
import { repeatable } from './option-parsers';

interface ApiToken {
  name: string;
  role: string;
  groupScope: string[] | null;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const tokenFields = 'name role groupScope createdBy createdAt lastUsedAt revokedAt';
const listTokens = `query($first: Int, $after: String) { apiTokens(first: $first, after: $after) { ${connectionFields(tokenFields)} } }`;
const createToken = `mutation($input: CreateApiTokenInput!, $reason: String) { createApiToken(input: $input, reason: $reason) { secret token { ${tokenFields} } } }`;
const revokeToken = `mutation($name: String!, $reason: String) { revokeApiToken(name: $name, reason: $reason) { ${tokenFields} } }`;

const tokenList: ListView<ApiToken> = {
  noun: 'API tokens',
  columns: [
    { header: 'name', value: (token) => token.name },
    { header: 'role', value: (token) => token.role },
    { header: 'groups', value: (token) => token.groupScope?.join(',') ?? '(all)' },
    { header: 'created by', value: (token) => token.createdBy },
    { header: 'created', value: (token) => formatAge(token.createdAt) },
    { header: 'last used', value: (token) => formatAge(token.lastUsedAt) },
    { header: 'revoked', value: (token) => formatAge(token.revokedAt) },
  ],
  name: (token) => token.name,
};

/** `capstan token create|list|revoke`: API tokens (admin). */
export function registerTokenCommands(program: Command, runtime: CliRuntime): void {
  const token = program.command('token').description('API tokens: viewer reads, operator changes the fleet, admin also manages tokens');

  withReason(
    hubCommand(token, 'create', 'create an API token and print its secret, shown this once')
      .argument('<name>', 'token name')
      .addOption(new Option('--role <role>', 'what the token may do').choices(['viewer', 'operator', 'admin']).makeOptionMandatory())
      .option('--group <group>', 'limit the token to this cluster group (repeatable)', repeatable),
  ).action(
    onHub<{ role: string; group?: string[]; reason?: string }>(runtime, async ({ client, out }, [name], { role, group, reason }) => {
      const { createApiToken: created } = await client.request<{ createApiToken: { secret: string; token: ApiToken } }>(createToken, { input: { name, role, groupScope: group }, reason });
      const scope = created.token.groupScope ? `, limited to ${created.token.groupScope.join(', ')}` : '';
      if (out.format === 'table') out.note(`Token ${created.token.name} (role ${created.token.role}${scope}) created. Its secret is shown this once:`);
      // The secret alone on stdout, so it can go straight into a secret store.
      out.done(created.secret, { ...created.token, secret: created.secret }, created.token.name);
    }),
  );

  hubCommand(token, 'list', 'list API tokens').action(
    onHub(runtime, async ({ client, out }) => {
      out.list(await collectNodes(client, listTokens, {}, (data: { apiTokens: Connection<ApiToken> }) => data.apiTokens), tokenList);
    }),
  );

  withReason(hubCommand(token, 'revoke', 'revoke an API token for good').argument('<name>', 'token name')).action(
    onHub<{ reason?: string }>(runtime, async ({ client, out }, [name], { reason }) => {
      const { revokeApiToken: revoked } = await client.request<{ revokeApiToken: ApiToken }>(revokeToken, { name, reason });
      out.done(`Token ${revoked.name} revoked.`, revoked, revoked.name);
    }),
  );
}
