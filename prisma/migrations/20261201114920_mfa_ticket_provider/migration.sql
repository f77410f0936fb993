-- AlterTable
ALTER TABLE "mfa_tickets" ADD COLUMN     "provider" TEXT;

-- AlterTable
ALTER TABLE "webauthn_challenges" ADD COLUMN     "mfa_provider" TEXT;

-- CreateTable
CREATE TABLE "used_id_tokens" (
    "token_hash" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "used_id_tokens_pkey" PRIMARY KEY ("token_hash")
);

-- CreateIndex
CREATE INDEX "used_id_tokens_expires_at_idx" ON "used_id_tokens"("expires_at");
