-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "successor_sealed" TEXT;

-- Usernames become unique whatever their case (`admin`, `Admin` and `ADMIN`
-- were three accounts). Where existing usernames clash ignoring case, the
-- account with the lowest id keeps its name and each later one is renamed,
-- deterministically, to `<name>-<id>` (cut to fit 64 characters), and an audit
-- event `username.renamed_by_migration` records each rename (README,
-- Migrations). The Prisma schema cannot express an index on an expression, so
-- this one lives only here (see README on how migration:check treats it).
WITH ranked AS (
    SELECT "id", "username", row_number() OVER (PARTITION BY lower("username") ORDER BY "id") AS "rank"
    FROM "users"
    WHERE "username" IS NOT NULL
), renamed AS (
    UPDATE "users" AS u
    SET "username" = left(r."username", 63 - length(u."id"::text)) || '-' || u."id"
    FROM ranked AS r
    WHERE u."id" = r."id" AND r."rank" > 1
    RETURNING u."id", r."username" AS "old_username", u."username" AS "new_username"
)
INSERT INTO "audit_events" ("type", "subject_user_id", "details")
SELECT 'username.renamed_by_migration', "id", jsonb_build_object('from', "old_username", 'to', "new_username")
FROM renamed;

-- CreateIndex
CREATE UNIQUE INDEX "users_username_lower_key" ON "users"(lower("username"));
