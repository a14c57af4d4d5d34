import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { type DynamicModule, Logger, Module } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import depthLimit from 'graphql-depth-limit';
import { LoggerModule } from 'nestjs-pino';
import { destination, type LogFn, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';
import { AgentGatewayModule } from './agent-gateway/agent-gateway.module';
import { ApplicationsModule } from './applications/applications.module';
import { AuditModule } from './audit/audit.module';
import { FleetEventsModule } from './events/fleet-events.module';
import { AuthModule } from './auth/auth.module';
import { ClustersModule } from './clusters/clusters.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { CapstanErrorCode } from './common/capstan.exception';
import { formatGraphqlError } from './common/graphql-error.formatter';
import { InputValidationPipe } from './common/input-validation.pipe';
import { StringMapScalar } from './common/string-map.scalar';
import type { HubConfig } from './config/hub-config';
import { HubConfigModule } from './config/hub-config.module';
import { DatabaseModule } from './database/database.module';
import { GroupsModule } from './groups/groups.module';
import { DesiredStateEventsModule } from './rendering/desired-state-events';
import { LiveChangesModule } from './live/live-changes';
import { graphqlMetricsPlugin } from './observability/graphql-metrics.plugin';
import { redactedLogPaths, scrubbingDestination, serializeLoggedError } from './observability/log-redaction';
import { MetricsService } from './observability/metrics.service';
import { ObservabilityModule } from './observability/observability.module';
import { queryComplexityPlugin } from './observability/query-limits.plugin';
import { RolloutsModule } from './rollouts/rollouts.module';
import { PoliciesModule } from './policies/policies.module';
import { SourcesModule } from './sources/sources.module';

export const graphqlLimits = { maxDepth: 10, maxComplexity: 10_000 };
const probePaths = new Set(['/healthz', '/readyz', '/metrics']);

/** Nest's start-up wiring (modules initialised, routes mapped) says nothing an operator acts on: it is logged at debug. */
const nestWiringContexts = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'GraphQLModule', 'NestApplication']);
function demoteNestWiring(this: PinoLogger, args: Parameters<LogFn>, method: LogFn, level: number): void {
  const context = typeof args[0] === 'object' && args[0] !== null ? (args[0] as { context?: unknown }).context : undefined;
  if (level === this.levels.values['info'] && typeof context === 'string' && nestWiringContexts.has(context)) return void this.debug(...(args as [object, string]));
  method.apply(this, args);
}

/** One coloured line per entry for a terminal: time, level, [context] and message, fields below. */
const prettyDestination = () => pretty({ sync: true, colorize: true, ignore: 'pid,hostname,req,res,context,responseTime', messageFormat: '{if context}[{context}] {end}{msg}', translateTime: 'SYS:HH:MM:ss' });

/**
 * Each operation's context holds the request the auth guard reads: the HTTP request, or for a
 * subscription one made from the graphql-ws connection parameters (`{ authorization: "Bearer <token>" }`).
 */
function graphqlContext(input: { req?: unknown; connectionParams?: Record<string, unknown> }): { req: unknown } {
  if (input.req) return { req: input.req };
  const authorization = input.connectionParams?.['authorization'] ?? input.connectionParams?.['Authorization'];
  return { req: { headers: { authorization: typeof authorization === 'string' ? authorization : undefined } } };
}

/** The hub: one Nest module per bounded context, over one database and one GraphQL endpoint. */
@Module({})
export class AppModule {
  static forRoot(config: HubConfig): DynamicModule {
    const errorLogger = new Logger('GraphQL');
    const formatError = formatGraphqlError({
      // Refusals are worth seeing at the default level; other callers' mistakes only when debugging.
      client: (code, summary) => (code === CapstanErrorCode.PermissionDenied || code === CapstanErrorCode.Unauthenticated ? errorLogger.log(summary) : errorLogger.debug(summary)),
      internal: (error) => errorLogger.error(error),
    });
    return {
      module: AppModule,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: [
            {
              level: config.logLevel,
              autoLogging: { ignore: (request) => probePaths.has(request.url ?? '') },
              // An answered request is an access-log line at debug; what went wrong stays at info and above.
              customLogLevel: (_request, response, error) => (error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'info' : 'debug'),
              customSuccessMessage: (request, response, responseTime) => `${request.method} ${request.url} ${response.statusCode} ${Math.round(responseTime)} ms`,
              customErrorMessage: (request, response) => `${request.method} ${request.url} ${response.statusCode}`,
              hooks: { logMethod: demoteNestWiring },
              redact: { paths: redactedLogPaths, censor: '[redacted]' },
              serializers: { err: serializeLoggedError },
            },
            // Whatever a line still holds that looks like a credential is scrubbed on the way out.
            scrubbingDestination(config.logFormat === 'pretty' ? prettyDestination() : destination({ dest: 1, sync: true }), [config.adminToken ?? '', config.secretKey ?? '']),
          ],
        }),
        HubConfigModule.forRoot(config),
        DesiredStateEventsModule,
        LiveChangesModule,
        DatabaseModule.forRoot(config),
        ObservabilityModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [MetricsService],
          useFactory: (metrics: MetricsService) => ({
            path: '/graphql',
            autoSchemaFile: true,
            sortSchema: true,
            introspection: true,
            context: graphqlContext,
            // Subscriptions over WebSocket (graphql-ws) on the same path, authenticated by the same tokens.
            subscriptions: {
              'graphql-ws': {
                path: '/graphql',
                // Apollo's formatError does not see what is sent over WebSocket: each result is formatted here the same way.
                onNext: (_context, _id, _payload, _args, result) => (result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : result),
              },
            },
            validationRules: [depthLimit(graphqlLimits.maxDepth)],
            plugins: [queryComplexityPlugin(graphqlLimits.maxComplexity), graphqlMetricsPlugin(metrics)],
            formatError,
          }),
        }),
        AuditModule,
        FleetEventsModule,
        AuthModule,
        GroupsModule,
        ClustersModule,
        SourcesModule,
        ApplicationsModule,
        AgentGatewayModule,
        RolloutsModule,
        PoliciesModule,
      ],
      providers: [StringMapScalar, { provide: APP_PIPE, useClass: InputValidationPipe }, { provide: APP_FILTER, useClass: ApiExceptionFilter }],
    };
  }
}
