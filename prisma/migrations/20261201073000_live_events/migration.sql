-- Live events for GraphQL subscriptions (src/modules/events). Triggers NOTIFY
-- channel usergraph_events in the transaction that changed the row, so an
-- event is sent only if the change commits, from whichever replica (or other
-- program) made it. No tables change, so schema.prisma has nothing to add:
-- this migration was written by hand, as Prisma's diff does not see triggers.

-- NOTIFY payloads must stay under 8000 bytes: a larger event carries its ids
-- only, with "partial": true, and the listener reads the rest.
CREATE FUNCTION usergraph_notify_event(payload jsonb) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  IF octet_length(payload::text) > 7900 THEN
    payload := jsonb_strip_nulls(jsonb_build_object(
      'k', payload->'k', 'type', payload->'type', 'status', payload->'status', 'videoId', payload->'videoId',
      'ownerId', payload->'ownerId', 'userId', payload->'userId', 'sessionId', payload->'sessionId', 'partial', true));
  END IF;
  PERFORM pg_notify('usergraph_events', payload::text);
END $$;

-- A video's status: QUEUED (uploaded, or back in the queue after a failed attempt), PROCESSING, READY, FAILED.
CREATE FUNCTION usergraph_videos_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
    PERFORM usergraph_notify_event(jsonb_build_object(
      'k', 'video', 'videoId', NEW.id, 'ownerId', NEW.owner_id, 'status', NEW.status,
      'error', CASE WHEN NEW.status = 'FAILED' THEN (SELECT error FROM trim_requests WHERE video_id = NEW.id) END));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_videos_event AFTER INSERT OR UPDATE OF status ON videos
  FOR EACH ROW EXECUTE FUNCTION usergraph_videos_event();

-- One session revoked (logout, revokeSession, refresh-token reuse, password change of the others).
CREATE FUNCTION usergraph_sessions_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL THEN
    PERFORM usergraph_notify_event(jsonb_build_object('k', 'viewer', 'type', 'SESSION_REVOKED', 'userId', NEW.user_id, 'sessionId', NEW.id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_sessions_event AFTER UPDATE OF revoked_at ON sessions
  FOR EACH ROW EXECUTE FUNCTION usergraph_sessions_event();

-- A user deactivated or deleted loses every session (sessionId null: all of them);
-- a change to what the profile shows is PROFILE_UPDATED.
CREATE FUNCTION usergraph_users_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.active AND NOT NEW.active) OR (OLD.deleted_at IS NULL AND NEW.deleted_at IS NOT NULL) THEN
    PERFORM usergraph_notify_event(jsonb_build_object('k', 'viewer', 'type', 'SESSION_REVOKED', 'userId', NEW.id));
  ELSIF (OLD.email, OLD.username, OLD.status, OLD.status_message, OLD.confirmed_at, OLD.active)
        IS DISTINCT FROM (NEW.email, NEW.username, NEW.status, NEW.status_message, NEW.confirmed_at, NEW.active) THEN
    PERFORM usergraph_notify_event(jsonb_build_object('k', 'viewer', 'type', 'PROFILE_UPDATED', 'userId', NEW.id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_users_event AFTER UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION usergraph_users_event();

CREATE FUNCTION usergraph_profiles_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.first_name, OLD.last_name, OLD.birth_date, OLD.sex, OLD.time_zone, OLD.avatar_key, OLD.custom_fields)
     IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.birth_date, NEW.sex, NEW.time_zone, NEW.avatar_key, NEW.custom_fields) THEN
    PERFORM usergraph_notify_event(jsonb_build_object('k', 'viewer', 'type', 'PROFILE_UPDATED', 'userId', NEW.user_id));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_profiles_event AFTER UPDATE ON profiles
  FOR EACH ROW EXECUTE FUNCTION usergraph_profiles_event();

CREATE FUNCTION usergraph_user_roles_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  target integer := CASE WHEN TG_OP = 'DELETE' THEN OLD.user_id ELSE NEW.user_id END;
BEGIN
  PERFORM usergraph_notify_event(jsonb_build_object('k', 'viewer', 'type', 'ROLES_CHANGED', 'userId', target));
  RETURN NULL;
END $$;
CREATE TRIGGER usergraph_user_roles_event AFTER INSERT OR DELETE ON user_roles
  FOR EACH ROW EXECUTE FUNCTION usergraph_user_roles_event();
