import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { type Database, openDatabase } from '@capstan/persistence';
import { DataSource } from 'typeorm';
import type { HubConfig } from '../config/hub-config';

export const DATABASE = Symbol('Database');

/** The hub's one database: PostgreSQL at DATABASE_URL, or the embedded one; migrated at start. */
@Global()
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  static forRoot(config: HubConfig): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DATABASE, useFactory: () => openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrate: true }) },
        { provide: DataSource, useFactory: (database: Database) => database.dataSource, inject: [DATABASE] },
      ],
      exports: [DATABASE, DataSource],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
