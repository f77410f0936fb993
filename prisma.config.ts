import { defineConfig } from 'prisma/config';

// The CLI is used only for `prisma generate` (offline). Migrations are created
// and applied by src/db/migrator.ts through Prisma's WASM schema engine.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
