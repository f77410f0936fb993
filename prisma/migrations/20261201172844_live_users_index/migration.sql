-- The users that are not deleted, for the total of the admin users page: PostgreSQL
-- counts them from this small index instead of reading every row of users.
-- CreateIndex
CREATE INDEX "users_live_idx" ON "users"("deleted_at") WHERE (deleted_at IS NULL);
