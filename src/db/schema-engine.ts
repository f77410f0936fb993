// Prisma's own schema engine, compiled to WebAssembly, driven through a driver
// adapter. It replaces the native `schema-engine` binary that the Prisma CLI
// would download (impossible offline) and records migrations in
// `_prisma_migrations` exactly as `prisma migrate deploy` does.
import fs from 'node:fs/promises';
import path from 'node:path';
import { createRequire } from 'node:module';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type * as EngineModule from '@prisma/schema-engine-wasm/schema_engine_bg';

export type SchemaEngine = EngineModule.SchemaEngine;
export type MigrationList = EngineModule.MigrationList;

const require = createRequire(import.meta.url);
let engineModule: Promise<typeof EngineModule> | undefined;

// @types/node 20 does not declare the WebAssembly global; this is the part used here.
type WasmExports = Record<string, unknown>;
declare const WebAssembly: {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: WasmExports } }>;
};

/** The package is bundler-style wasm-bindgen output: instantiate the module ourselves, once per process. */
function loadEngineModule(): Promise<typeof EngineModule> {
  engineModule ??= (async () => {
    const dir = path.dirname(require.resolve('@prisma/schema-engine-wasm/schema_engine_bg'));
    const bindings = (await import('@prisma/schema-engine-wasm/schema_engine_bg')) as typeof EngineModule & {
      __wbg_set_wasm(exports: WasmExports): void;
    };
    const bytes = await fs.readFile(path.join(dir, 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, { './schema_engine_bg.js': bindings });
    bindings.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bindings;
  })();
  return engineModule;
}

export const noFilters = { externalTables: [], externalEnums: [] };

export async function startSchemaEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory,
  datamodel: { path: string; content: string },
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  const { SchemaEngine } = await loadEngineModule();
  return SchemaEngine.new(
    { datamodels: [[datamodel.path, datamodel.content]] },
    (line: unknown) => log(String(line)),
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}

/** Reads `prisma/migrations` the way the Prisma CLI does: one folder per migration, sorted by name. */
export async function readMigrations(baseDir: string): Promise<MigrationList> {
  const lockfilePath = 'migration_lock.toml';
  const lockfile = await fs.readFile(path.join(baseDir, lockfilePath), 'utf8').catch(() => null);
  const entries = await fs.readdir(baseDir, { withFileTypes: true }).catch(() => []);
  const migrationDirectories = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const content = await fs
      .readFile(path.join(baseDir, entry.name, 'migration.sql'), 'utf8')
      .then((value) => ({ tag: 'ok' as const, value }))
      .catch((error: Error) => ({ tag: 'error' as const, value: error.message }));
    migrationDirectories.push({ path: entry.name, migrationFile: { path: 'migration.sql', content } });
  }
  return { baseDir, lockfile: { path: lockfilePath, content: lockfile }, shadowDbInitScript: '', migrationDirectories };
}
