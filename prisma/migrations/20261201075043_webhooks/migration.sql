-- CreateEnum
CREATE TYPE "WebhookDeliveryStatus" AS ENUM ('PENDING', 'DELIVERING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" SERIAL NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "description" TEXT,
    "secret_ciphertext" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "disabled_at" TIMESTAMP(3),
    "disabled_reason" TEXT,
    "consecutive_failures" INTEGER NOT NULL DEFAULT 0,
    "created_by_id" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "type" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "transaction_id" BIGINT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_deliveries" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "event_id" UUID NOT NULL,
    "endpoint_id" INTEGER NOT NULL,
    "status" "WebhookDeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "locked_by" TEXT,
    "lease_expires_at" TIMESTAMP(3),
    "last_attempt_at" TIMESTAMP(3),
    "response_status" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "webhook_events_transaction_id_idx" ON "webhook_events"("transaction_id");

-- CreateIndex
CREATE INDEX "webhook_deliveries_status_next_attempt_at_idx" ON "webhook_deliveries"("status", "next_attempt_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_endpoint_id_created_at_idx" ON "webhook_deliveries"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "webhook_deliveries_event_id_idx" ON "webhook_deliveries"("event_id");

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_event_id_fkey" FOREIGN KEY ("event_id") REFERENCES "webhook_events"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The webhook outbox, filled by triggers (written by hand below the generated
-- tables: Prisma's diff does not see functions or triggers). An event is
-- stored only when an enabled endpoint subscribes to its type, with one
-- delivery per such endpoint, in the transaction of the change: a rolled-back
-- change leaves nothing, and a crash after the commit loses nothing. NOTIFY
-- usergraph_webhooks wakes the delivery workers of every replica at commit.
CREATE FUNCTION usergraph_webhook_enqueue(event_type text, data jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  existing uuid;
  created uuid;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM webhook_endpoints WHERE enabled AND event_type = ANY (events)) THEN
    RETURN;
  END IF;
  -- A user's account and profile written in one transaction are one user.updated, with the data as it ends up.
  IF event_type = 'user.updated' THEN
    SELECT id INTO existing FROM webhook_events
     WHERE transaction_id = txid_current() AND type = event_type AND payload->'data'->>'id' = data->>'id';
    IF existing IS NOT NULL THEN
      UPDATE webhook_events SET payload = jsonb_set(payload, '{data}', data) WHERE id = existing;
      RETURN;
    END IF;
  END IF;
  INSERT INTO webhook_events (type, payload, transaction_id)
  VALUES (event_type,
          jsonb_build_object('type', event_type, 'timestamp', usergraph_iso((clock_timestamp() AT TIME ZONE 'UTC')::timestamp), 'data', data),
          txid_current())
  RETURNING id INTO created;
  INSERT INTO webhook_deliveries (event_id, endpoint_id)
  SELECT created, id FROM webhook_endpoints WHERE enabled AND event_type = ANY (events);
  PERFORM pg_notify('usergraph_webhooks', '');
END $$;

-- Timestamps are stored in UTC without a zone (Prisma's DateTime); payloads give them as ISO 8601 with Z.
CREATE FUNCTION usergraph_iso(at timestamp) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- The user as other systems see it: no password, token or internal column.
CREATE FUNCTION usergraph_webhook_user(target integer) RETURNS jsonb LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', u.id::text, 'email', u.email, 'username', u.username, 'active', u.active,
    'confirmedAt', usergraph_iso(u.confirmed_at), 'createdAt', usergraph_iso(u.created_at), 'updatedAt', usergraph_iso(u.updated_at),
    'profile', CASE WHEN p.id IS NULL THEN NULL ELSE jsonb_build_object(
      'firstName', p.first_name, 'lastName', p.last_name, 'birthDate', p.birth_date, 'sex', p.sex, 'timeZone', p.time_zone) END)
  FROM users u LEFT JOIN profiles p ON p.user_id = u.id
  WHERE u.id = target
$$;

CREATE FUNCTION usergraph_users_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM usergraph_webhook_enqueue('user.created', usergraph_webhook_user(NEW.id));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM usergraph_webhook_enqueue('user.deleted', jsonb_build_object('id', OLD.id::text, 'deletedAt', usergraph_iso((now() AT TIME ZONE 'UTC')::timestamp)));
  ELSIF OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL THEN
    PERFORM usergraph_webhook_enqueue('user.deleted', jsonb_build_object('id', NEW.id::text, 'deletedAt', usergraph_iso(NEW.deleted_at)));
  ELSE
    IF OLD.confirmed_at IS NULL AND NEW.confirmed_at IS NOT NULL THEN
      PERFORM usergraph_webhook_enqueue('user.confirmed', jsonb_build_object('id', NEW.id::text, 'email', NEW.email, 'confirmedAt', usergraph_iso(NEW.confirmed_at)));
    END IF;
    IF (OLD.email, OLD.username, OLD.active, OLD.status, OLD.status_message)
       IS DISTINCT FROM (NEW.email, NEW.username, NEW.active, NEW.status, NEW.status_message) THEN
      PERFORM usergraph_webhook_enqueue('user.updated', usergraph_webhook_user(NEW.id));
    END IF;
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_users_webhook AFTER INSERT OR UPDATE OR DELETE ON users
  FOR EACH ROW EXECUTE FUNCTION usergraph_users_webhook();

CREATE FUNCTION usergraph_profiles_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.first_name, OLD.last_name, OLD.birth_date, OLD.sex, OLD.time_zone)
     IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.birth_date, NEW.sex, NEW.time_zone) THEN
    PERFORM usergraph_webhook_enqueue('user.updated', usergraph_webhook_user(NEW.user_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_profiles_webhook AFTER UPDATE ON profiles
  FOR EACH ROW EXECUTE FUNCTION usergraph_profiles_webhook();

CREATE FUNCTION usergraph_sessions_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM usergraph_webhook_enqueue('session.created', jsonb_build_object(
      'id', NEW.id, 'userId', NEW.user_id::text, 'createdAt', usergraph_iso(NEW.created_at), 'expiresAt', usergraph_iso(NEW.expires_at),
      'ip', NEW.ip, 'userAgent', NEW.user_agent, 'applicationId', NEW.application_id::text));
  ELSIF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN
    PERFORM usergraph_webhook_enqueue('session.revoked', jsonb_build_object('id', NEW.id, 'userId', NEW.user_id::text, 'revokedAt', usergraph_iso(NEW.revoked_at)));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_sessions_webhook AFTER INSERT OR UPDATE OF revoked_at ON sessions
  FOR EACH ROW EXECUTE FUNCTION usergraph_sessions_webhook();

CREATE FUNCTION usergraph_user_roles_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  link user_roles%ROWTYPE;
BEGIN
  IF TG_OP = 'DELETE' THEN link := OLD; ELSE link := NEW; END IF;
  PERFORM usergraph_webhook_enqueue(CASE WHEN TG_OP = 'DELETE' THEN 'role.removed' ELSE 'role.assigned' END,
    jsonb_build_object('userId', link.user_id::text, 'roleId', link.role_id::text, 'role', (SELECT name FROM roles WHERE id = link.role_id)));
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_user_roles_webhook AFTER INSERT OR DELETE ON user_roles
  FOR EACH ROW EXECUTE FUNCTION usergraph_user_roles_webhook();

CREATE FUNCTION usergraph_videos_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.status IN ('READY', 'FAILED') AND NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM usergraph_webhook_enqueue(CASE WHEN NEW.status = 'READY' THEN 'video.ready' ELSE 'video.failed' END,
      (SELECT jsonb_build_object('id', NEW.id, 'ownerId', NEW.owner_id::text, 'name', NEW.name, 'status', NEW.status,
              'trimStart', t.trim_start, 'duration', t.duration, 'error', CASE WHEN NEW.status = 'FAILED' THEN t.error END)
         FROM (SELECT 1) one LEFT JOIN trim_requests t ON t.video_id = NEW.id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_videos_webhook AFTER UPDATE OF status ON videos
  FOR EACH ROW EXECUTE FUNCTION usergraph_videos_webhook();
