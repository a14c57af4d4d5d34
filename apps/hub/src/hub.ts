import 'reflect-metadata';
import { format } from 'node:util';
import { setLogger as setGrpcLogger } from '@grpc/grpc-js';
import { type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { Logger } from 'nestjs-pino';
import { AgentGrpcServer } from './agent-gateway/agent-grpc.server';
import { AppModule } from './app.module';
import { ApiTokensService } from './auth/api-tokens.service';
import type { HubConfig } from './config/hub-config';
import { MetricsService } from './observability/metrics.service';

/** A running hub. */
export interface Hub {
  readonly app: INestApplication;
  /** Base URL of the HTTP API, e.g. http://127.0.0.1:4000 */
  readonly url: string;
  /** Port of the agents' gRPC API. */
  readonly grpcPort: number;
  /** The admin token generated on first start; null when tokens already existed or one was given. */
  readonly generatedAdminToken: string | null;
  close(): Promise<void>;
}

/** A port the hub was told to listen on is taken; `flag` names the setting, e.g. `--grpc-port`. */
export class PortInUseError extends Error {
  constructor(
    readonly flag: string,
    readonly port: number,
  ) {
    super(`${flag} ${port} is already in use`);
    this.name = 'PortInUseError';
  }
}

/** Whether `error` is a failure to listen on `port` because something else holds it (Node's and grpc-js's wording). */
function addressInUse(error: unknown, port: number): boolean {
  if (!(error instanceof Error)) return false;
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') return true;
  return /EADDRINUSE/.test(error.message) && error.message.includes(`:${port}`);
}

/** Starts the hub: database (migrated), GraphQL API, health and metrics endpoints. */
export async function startHub(config: HubConfig): Promise<Hub> {
  // grpc-js writes its own complaints to stderr; each is one the hub also meets as an error it handles (a port it cannot bind, a call that failed), so they are kept for debugging.
  const grpcLog = new NestLogger('gRPC');
  setGrpcLogger({ error: (...args: unknown[]) => grpcLog.debug(format(...args)), info: (...args: unknown[]) => grpcLog.debug(format(...args)), debug: (...args: unknown[]) => grpcLog.verbose(format(...args)) });
  // rawBody: webhook signatures are computed over the exact bytes received.
  const app = await NestFactory.create(AppModule.forRoot(config), { bufferLogs: true, rawBody: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  const metrics = app.get(MetricsService);
  app.use((request: Request, response: Response, next: NextFunction) => {
    const stop = metrics.httpDuration.startTimer({ method: request.method });
    response.on('finish', () => stop({ route: (request.route as { path?: string } | undefined)?.path ?? request.path, status: String(response.statusCode) }));
    next();
  });
  // The agents' gRPC port is bound while the application starts, the HTTP port afterwards.
  await startOrStop(app, () => app.init(), (error) => addressInUse(error, config.grpcPort) && new PortInUseError('--grpc-port', config.grpcPort));
  const generatedAdminToken = await app.get(ApiTokensService).ensureAdminToken(config.adminToken);
  await startOrStop(app, () => app.listen(config.port, config.host), (error) => addressInUse(error, config.port) && new PortInUseError('--port', config.port));
  const address = app.getHttpServer().address() as { port: number };
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return {
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    generatedAdminToken,
    grpcPort: app.get(AgentGrpcServer).port,
    close: () => app.close(),
  };
}

/** Runs a start-up step; when it fails, stops what already runs (database, gRPC) and throws `explain`'s error, or the original. */
async function startOrStop(app: INestApplication, step: () => Promise<unknown>, explain: (error: unknown) => Error | false): Promise<void> {
  try {
    await step();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw explain(error) || error;
  }
}
