-- AlterTable
ALTER TABLE "sessions" ADD COLUMN     "provider" TEXT;

-- CreateTable
CREATE TABLE "user_identities" (
    "id" SERIAL NOT NULL,
    "user_id" INTEGER NOT NULL,
    "provider" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "email" TEXT,
    "linked_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "user_identities_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "oidc_flows" (
    "id" UUID NOT NULL,
    "state_hash" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "user_id" INTEGER,
    "redirect_uri" TEXT NOT NULL,
    "secrets_sealed" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "callback_at" TIMESTAMP(3),
    "code_hash" TEXT,
    "code_expires_at" TIMESTAMP(3),
    "code_used_at" TIMESTAMP(3),
    "claims" JSONB,

    CONSTRAINT "oidc_flows_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "user_identities_user_id_idx" ON "user_identities"("user_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_identities_provider_subject_key" ON "user_identities"("provider", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "oidc_flows_state_hash_key" ON "oidc_flows"("state_hash");

-- CreateIndex
CREATE UNIQUE INDEX "oidc_flows_code_hash_key" ON "oidc_flows"("code_hash");

-- CreateIndex
CREATE INDEX "oidc_flows_expires_at_idx" ON "oidc_flows"("expires_at");

-- AddForeignKey
ALTER TABLE "user_identities" ADD CONSTRAINT "user_identities_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
