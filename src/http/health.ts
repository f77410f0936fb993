// /healthz: the process is up. /readyz: the database answers (migrations are
// applied before the server starts listening).
import { Router } from 'express';
import type { Database } from '../db/database.js';

export function healthRoutes(db: Pick<Database, 'ping'>, readyTimeoutMs = 2000): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([db.ping(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), readyTimeoutMs)))]);
      res.json({ status: 'ready', database: 'up' });
    } catch {
      res.status(503).json({ status: 'unavailable', database: 'down' });
    } finally {
      clearTimeout(timer);
    }
  });
  return router;
}
