import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
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

/** Starts the hub: database (migrated), GraphQL API, health and metrics endpoints. */
export async function startHub(config: HubConfig): Promise<Hub> {
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
  await app.init();
  const generatedAdminToken = await app.get(ApiTokensService).ensureAdminToken(config.adminToken);
  await app.listen(config.port, config.host);
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
