// Prometheus metrics at /metrics: request counts and latencies per GraphQL
// operation and per REST route, login failures, SQL statements, and the video
// job queue depth.
import type { RequestHandler, Router } from 'express';
import { Router as createRouter } from 'express';
import client from 'prom-client';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from '../graphql/context.js';
import type { Config } from '../config.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { safeEqual } from '../auth/tokens.js';

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'usergraph_' });

const httpDuration = new client.Histogram({
  name: 'usergraph_http_request_duration_seconds',
  help: 'HTTP request latency by route (GraphQL operation name or REST route) and status.',
  labelNames: ['method', 'route', 'status'],
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const graphqlOperations = new client.Counter({
  name: 'usergraph_graphql_operations_total',
  help: 'GraphQL operations by name, type and outcome.',
  labelNames: ['operation', 'type', 'outcome'],
  registers: [registry],
});

export const loginFailures = new client.Counter({
  name: 'usergraph_login_failures_total',
  help: 'Failed login attempts (wrong password or unknown account).',
  registers: [registry],
});

export const dbStatements = new client.Counter({
  name: 'usergraph_db_statements_total',
  help: 'SQL statements the gateway sent to the database (the Prisma client and the prepared hot reads; migrations not included).',
  registers: [registry],
});

// Operation names come from clients: cap the distinct labels so that random
// names cannot blow up the metrics' memory.
const MAX_OPERATION_LABELS = 200;
const operationLabels = new Set<string>();
export function operationLabel(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name)) return 'anonymous';
  if (operationLabels.has(name)) return name;
  if (operationLabels.size >= MAX_OPERATION_LABELS) return 'other';
  operationLabels.add(name);
  return name;
}

/** Labels the request for the HTTP histogram; REST routes set their own pattern. */
export function setRouteLabel(res: { locals: Record<string, unknown> }, label: string): void {
  res.locals.metricsRoute = label;
}

export const httpMetrics: RequestHandler = (req, res, next) => {
  const end = httpDuration.startTimer();
  res.on('finish', () => {
    let route = res.locals.metricsRoute as string | undefined;
    const telemetry = res.locals.telemetry as Telemetry | undefined;
    if (!route && telemetry) route = `graphql:${telemetry.operation ?? 'anonymous'}`;
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    route ??= typeof routePath === 'string' && routePath ? `${req.baseUrl}${routePath}` : 'unmatched';
    end({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

/** Per-request notes from GraphQL to the HTTP layer (the operation, once parsed). */
export interface Telemetry {
  operation?: string;
}

export function graphqlMetricsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ operation, operationName, errors, contextValue }) {
          const label = operationLabel(operationName);
          if (contextValue?.telemetry) contextValue.telemetry.operation = label;
          graphqlOperations.inc({ operation: label, type: operation?.operation ?? 'unknown', outcome: errors?.length ? 'error' : 'ok' });
        },
      };
    },
  };
}

export function metricsRoutes(config: Config, db: PrismaClient): Router {
  const queueDepth = new client.Gauge({
    name: 'usergraph_video_jobs_queued',
    help: 'Video trim jobs waiting to be processed.',
    registers: [registry],
    async collect() {
      this.set(await db.trimRequest.count({ where: { status: 'QUEUED' } }));
    },
  });
  void queueDepth;
  const router = createRouter();
  router.get('/metrics', async (req, res) => {
    if (config.metricsToken) {
      const given = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1] ?? '';
      if (!safeEqual(given, config.metricsToken)) {
        res
          .status(401)
          .set('WWW-Authenticate', 'Bearer')
          .json({ error: { code: 'UNAUTHENTICATED', message: 'Send the metrics token as a Bearer token.' } });
        return;
      }
    } else if (config.env === 'production') {
      res.status(404).json({ error: { code: 'NOT_FOUND', message: 'Set METRICS_TOKEN to enable /metrics in production.' } });
      return;
    }
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
