// Opens the database: PostgreSQL when DATABASE_URL is set, embedded PGlite
// (PostgreSQL compiled to WebAssembly) under DATA_DIR/db otherwise. One Prisma
// schema and one generated client serve both, through driver adapters.
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client.js';
import { noFilters, readMigrations, startSchemaEngine } from './schema-engine.js';
import { countStatements } from './statement-count.js';
import { pgliteRunner, pgRunner, registerPreparedReads } from './prepared-reads.js';
import type { DatabaseListen } from './notifications.js';

export const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const prismaDir = path.join(projectRoot, 'prisma');

export interface Database {
  kind: 'postgresql' | 'pglite';
  prisma: PrismaClient;
  adapterFactory: SqlMigrationAwareDriverAdapterFactory;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** PGlite only: receives what the database NOTIFYs (triggers); PostgreSQL has a listening connection instead. */
  listen?: DatabaseListen;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | null;
  dataDir: string;
  /** Bound of one statement and of one interactive transaction, in ms. Default 10000. */
  databaseStatementTimeoutMs?: number;
  /** Bound of opening a connection or waiting for a pooled one, in ms. Default 5000. */
  databaseConnectTimeoutMs?: number;
  /** Called before each SQL statement the Prisma client sends (migrations not included). Default: none. */
  onStatement?: () => void;
}

/**
 * Bounds on every PostgreSQL round trip, so that a database which stops
 * answering (a partition black-holes the packets; nothing closes the socket)
 * fails requests within seconds instead of hanging them:
 * - connectionTimeoutMillis: opening a connection, and waiting for a free one in the pool;
 * - query_timeout: the client gives up reading an answer (a little after the server's own limit);
 * - statement_timeout: the server cancels a statement that runs too long;
 * - idle_in_transaction_session_timeout: the server ends a transaction whose client went silent, releasing its locks;
 * - keepAlive: TCP keep-alives find dead idle connections.
 */
export function poolConfig(options: DatabaseOptions & { databaseUrl: string }) {
  const statementMs = options.databaseStatementTimeoutMs ?? 10_000;
  return {
    connectionString: options.databaseUrl,
    connectionTimeoutMillis: options.databaseConnectTimeoutMs ?? 5000,
    statement_timeout: statementMs,
    query_timeout: statementMs + 1000,
    idle_in_transaction_session_timeout: statementMs * 2,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  };
}

/** Prisma's interactive transactions: wait for a connection and run for no longer than the statements may. */
export function transactionOptions(options: DatabaseOptions) {
  return { maxWait: options.databaseConnectTimeoutMs ?? 5000, timeout: options.databaseStatementTimeoutMs ?? 10_000 };
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const pool = poolConfig({ ...options, databaseUrl: options.databaseUrl });
    // Migrations may run long: their connections keep only the connect timeout.
    const adapterFactory = wholeScripts(new PrismaPg({ connectionString: pool.connectionString, connectionTimeoutMillis: pool.connectionTimeoutMillis }));
    // The pool is made here so the prepared hot reads (prepared-reads.ts) share it; the adapter ends it on $disconnect.
    const queryPool = new pg.Pool(pool);
    const queries = new PrismaPg(queryPool, { disposeExternalPool: true });
    const prisma = new PrismaClient({
      adapter: options.onStatement ? countStatements(queries, options.onStatement) : queries,
      transactionOptions: transactionOptions(options),
    });
    registerPreparedReads(prisma, pgRunner(queryPool), options.onStatement);
    return {
      kind: 'postgresql',
      prisma,
      adapterFactory,
      ping: async () => void (await prisma.$queryRaw`SELECT 1`),
      close: () => prisma.$disconnect(),
    };
  }
  const dir = path.join(options.dataDir, 'db');
  await fs.mkdir(dir, { recursive: true });
  const pglite = await PGlite.create(dir);
  const adapterFactory = new PrismaPGlite(pglite);
  const prisma = new PrismaClient({
    adapter: options.onStatement ? countStatements(adapterFactory, options.onStatement) : adapterFactory,
    transactionOptions: transactionOptions(options),
  });
  registerPreparedReads(prisma, pgliteRunner(pglite), options.onStatement);
  return {
    kind: 'pglite',
    prisma,
    adapterFactory,
    ping: async () => void (await pglite.query('SELECT 1')),
    listen: (channel, callback) => pglite.listen(channel, callback),
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

/**
 * PrismaPg runs a migration script split at every `;`, which cuts a function
 * body (`$$ ... $$`, as in the trigger migrations) apart. PostgreSQL's simple
 * query protocol takes the whole script at once, as Prisma's native engine
 * sends it; this makes the adapter do that.
 */
function wholeScripts(factory: PrismaPg): SqlMigrationAwareDriverAdapterFactory {
  type Adapter = Awaited<ReturnType<PrismaPg['connect']>> & { client: { query(sql: string): Promise<unknown> }; onError(error: unknown): never };
  const patch = <T>(adapter: T): T => {
    const a = adapter as unknown as Adapter;
    a.executeScript = async (script: string) => {
      try {
        await a.client.query(script);
      } catch (error) {
        a.onError(error);
      }
    };
    return adapter;
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: async () => patch(await factory.connect()),
    connectToShadowDb: async () => patch(await factory.connectToShadowDb()),
  };
}

async function readDatamodel() {
  const file = path.join(prismaDir, 'schema.prisma');
  return { path: file, content: await fs.readFile(file, 'utf8') };
}

/**
 * Applies the committed migrations that the database has not seen yet, as
 * `prisma migrate deploy` would. Returns the names of those just applied.
 */
export async function applyMigrations(db: Database): Promise<string[]> {
  const engine = await startSchemaEngine(db.adapterFactory, await readDatamodel());
  try {
    const migrationsList = await readMigrations(path.join(prismaDir, 'migrations'));
    const { appliedMigrationNames } = await engine.applyMigrations({ migrationsList, filters: noFilters });
    return appliedMigrationNames;
  } finally {
    engine.free();
  }
}

/**
 * The SQL that takes the committed migrations to the current schema.prisma,
 * computed on an in-memory shadow database. Empty when they agree.
 */
export async function diffMigrationsToSchema(): Promise<string> {
  // A throwaway in-memory database; it must be closed, or PGlite's runtime
  // sets exit code 99 when the process ends.
  const pglite = await PGlite.create('memory://');
  const shadow = new PrismaPGlite(pglite);
  const datamodel = await readDatamodel();
  const engine = await startSchemaEngine(shadow, datamodel);
  try {
    const migrationsList = await readMigrations(path.join(prismaDir, 'migrations'));
    const result = await engine.diff({
      from: { tag: 'migrations', ...migrationsList },
      to: { tag: 'schemaDatamodel', files: [datamodel] },
      script: true,
      exitCode: true,
      filters: noFilters,
    });
    return result.exitCode === 2 ? (result.stdout ?? '') : '';
  } finally {
    engine.free();
    await pglite.close();
  }
}
