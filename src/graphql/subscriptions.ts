// GraphQL subscriptions on /graphql over WebSocket, with the graphql-ws
// protocol (graphql-transport-ws). Same schema, validation rules and error
// masking as HTTP; the viewer comes from the `connection_init` payload
// `{ "authorization": "Bearer <access token or API key>" }`, through the same
// authentication as an HTTP request. Only subscriptions run here: queries and
// mutations go over HTTP.
//
// Close codes (README "Subscriptions"):
//   1001 going away: the server is shutting down; reconnect (to another replica).
//   1009 message too big (WS_MAX_MESSAGE_BYTES).
//   1013 try again later: too many sockets for this user, or the database is unavailable.
//   4401 unauthorized: the session was revoked, the user deactivated, the access token expired, or the API key was revoked or expired (seen at the next re-check); refresh and reconnect.
//   4403 forbidden: connection_init had no valid access token or API key.
//   4408 connection_init not sent within WS_INIT_TIMEOUT_MS.
// A client IP over WS_MAX_CONNECTIONS_PER_IP gets HTTP 429 instead of the upgrade.
// Both connection limits count this replica's sockets only (README "Subscriptions" says why).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  GraphQLError,
  OperationTypeNode,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import type { ApolloServerPlugin } from '@apollo/server';
import { buildContext, extendContext, type AppDeps, type Context, type Viewer } from './context.js';
import { bearerToken, type Credentials } from '../auth/authenticate.js';
import { looksLikeApiKey } from '../auth/api-keys.js';
import { createLoaders } from './loaders.js';
import { createFormatError, isDatabaseUnavailable } from './format-error.js';
import { AppError, AuthenticationError } from '../common/errors.js';
import type { EventHub } from '../modules/events/event-hub.js';
import type { SubscriptionContext } from '../modules/events/events.service.js';

export const CloseCodes = {
  goingAway: 1001,
  tryAgainLater: 1013,
  unauthorized: 4401,
  forbidden: 4403,
} as const;

/** Delay between delivering a SESSION_REVOKED event and closing the socket, so the event goes out first. */
const CLOSE_AFTER_EVENT_MS = 100;

interface Connection {
  socket: WebSocket;
  viewer: Viewer;
  /** What connection_init proved, checked again on every re-check (an access token's session, or an API key). */
  credentials: Credentials;
  context: SubscriptionContext;
  timers: NodeJS.Timeout[];
}

export interface SubscriptionServer {
  /** For Apollo's plugins: on apollo.stop(), closes every socket with 1001 and stops accepting new ones. */
  drainPlugin: ApolloServerPlugin<Context>;
  /** Sockets open now. */
  size(): number;
}

/** The client IP as Express computes it with `trust proxy` set to a number of hops. */
function clientIp(request: http.IncomingMessage, trustProxy: number): string {
  const forwarded = String(request.headers['x-forwarded-for'] ?? '')
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  const chain = [request.socket.remoteAddress ?? 'unknown', ...forwarded.reverse()];
  return chain[Math.min(trustProxy, chain.length - 1)];
}

function refuseUpgrade(socket: Duplex, status: string, headers: Record<string, string> = {}): void {
  const head = Object.entries({ Connection: 'close', 'Content-Length': '0', ...headers })
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('');
  socket.end(`HTTP/1.1 ${status}\r\n${head}\r\n`);
}

/** Seconds-since-epoch expiry of a JWT already verified by authentication. */
function tokenExpiry(token: string, fallbackSeconds: number): number {
  try {
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp?: number };
    if (typeof exp === 'number') return exp * 1000;
  } catch {
    // not a JWT: use the configured lifetime
  }
  return Date.now() + fallbackSeconds * 1000;
}

export function attachSubscriptions(options: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  deps: AppDeps;
  events: EventHub;
  validationRules: ValidationRule[];
}): SubscriptionServer {
  const { httpServer, schema, deps, events } = options;
  const limits = deps.config.subscriptions;
  const logger = deps.logger.child({ transport: 'ws' });
  const formatError = createFormatError(logger, deps.config.env === 'development');
  const rules = [...specifiedRules, ...options.validationRules];
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes });
  const perIp = new Map<string, number>();
  const connections = new Map<WebSocket, Connection>();
  let stopping = false;

  httpServer.on('upgrade', (request: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname !== '/graphql') return refuseUpgrade(socket, '404 Not Found');
    if (stopping) return refuseUpgrade(socket, '503 Service Unavailable', { 'Retry-After': '5' });
    const ip = clientIp(request, deps.config.trustProxy);
    if ((perIp.get(ip) ?? 0) >= limits.maxConnectionsPerIp) return refuseUpgrade(socket, '429 Too Many Requests', { 'Retry-After': '60' });
    wss.handleUpgrade(request, socket, head, (ws) => {
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      ws.once('close', () => {
        const left = (perIp.get(ip) ?? 1) - 1;
        if (left > 0) perIp.set(ip, left);
        else perIp.delete(ip);
      });
      wss.emit('connection', ws, request);
    });
  });

  function close(connection: Connection, code: number, reason: string): void {
    forget(connection);
    connection.socket.close(code, reason);
  }

  function forget(connection: Connection): void {
    for (const timer of connection.timers) clearTimeout(timer);
    connections.delete(connection.socket);
  }

  /** Authenticates again: closes the socket when the session ended or the key was revoked, or takes the current roles. */
  async function recheck(connection: Connection): Promise<void> {
    if (!connections.has(connection.socket)) return;
    try {
      const viewer = await deps.auth.authenticate(connection.credentials);
      if (!viewer) return close(connection, CloseCodes.unauthorized, 'Session ended');
      Object.assign(connection.viewer, { roles: viewer.roles, isAdmin: viewer.isAdmin });
    } catch (err) {
      logger.warn({ err }, 'could not re-check a subscription session');
    }
  }

  const offEvents = events.on((event) => {
    if (event.k !== 'viewer') return;
    for (const connection of connections.values()) {
      if (connection.viewer.userId !== event.userId) continue;
      if (event.type === 'SESSION_REVOKED' && (!event.sessionId || event.sessionId === connection.viewer.sessionId)) {
        connection.timers.push(setTimeout(() => close(connection, CloseCodes.unauthorized, 'Session revoked'), CLOSE_AFTER_EVENT_MS));
      } else if (event.type === 'ROLES_CHANGED') {
        // After the session cache has let go of the old roles.
        connection.timers.push(setTimeout(() => void recheck(connection), deps.config.sessionCacheTtlMs + 50));
      }
    }
  });

  const server = useServer<Record<string, unknown> | undefined>(
    {
      schema,
      connectionInitWaitTimeout: limits.initTimeoutMs,
      isProd: deps.config.env === 'production',
      onConnect: async (ctx) => {
        const { socket, request } = ctx.extra;
        const params = ctx.connectionParams ?? {};
        const raw = params.authorization ?? params.Authorization;
        const authorization = typeof raw === 'string' ? raw : undefined;
        const token = bearerToken(authorization);
        if (!token) return false;
        const credentials: Credentials = { authorization, ip: clientIp(request, deps.config.trustProxy), userAgent: request.headers['user-agent'] ?? null };
        let context: Context;
        try {
          context = await buildContext(deps, { ...credentials, userAgent: credentials.userAgent ?? null, logger });
        } catch (err) {
          if (!isDatabaseUnavailable(err)) throw err;
          logger.error({ err }, 'database unavailable while authenticating a socket');
          socket.close(CloseCodes.tryAgainLater, 'Service unavailable');
          return false;
        }
        const viewer = context.viewer;
        if (!viewer) return false;
        const open = [...connections.values()].filter((c) => c.viewer.userId === viewer.userId).length;
        if (open >= limits.maxConnectionsPerUser) {
          socket.close(CloseCodes.tryAgainLater, 'Too many connections for this user');
          return false;
        }
        const subscriptionContext = Object.defineProperties(extendContext(context, { events }), {
          // Fresh loaders each time: a subscription lives long, and a cached row would go stale.
          loaders: { get: () => createLoaders(deps.db), enumerable: true },
        });
        const connection: Connection = { socket, viewer, credentials, context: subscriptionContext, timers: [] };
        connection.timers.push(setInterval(() => void recheck(connection), limits.authRecheckSeconds * 1000));
        // An access token ends the socket when it expires; an API key lives until it is revoked or expires (the re-check sees both).
        if (!looksLikeApiKey(token)) {
          const expiresIn = tokenExpiry(token, deps.config.accessTokenTtl) - Date.now();
          connection.timers.push(
            setTimeout(() => close(connection, CloseCodes.unauthorized, 'Access token expired'), Math.max(0, Math.min(expiresIn, 2 ** 31 - 1))),
          );
        }
        connections.set(socket, connection);
        return true;
      },
      onClose: (ctx) => {
        const connection = connections.get(ctx.extra.socket);
        if (connection) forget(connection);
      },
      onSubscribe: (ctx, _id, payload) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return [new AuthenticationError()];
        // The new subscription is already counted.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new AppError(
              'RATE_LIMITED',
              `At most ${limits.maxSubscriptionsPerConnection} subscriptions may run on one socket; complete one or open another socket.`,
            ),
          ];
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: deps.config.graphql.maxTokens });
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(schema, document, rules);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new AppError('BAD_USER_INPUT', 'Name the operation to run (operationName).')];
        if (operation.operation !== OperationTypeNode.SUBSCRIPTION) {
          return [new AppError('BAD_USER_INPUT', 'Only subscriptions run over WebSocket; send queries and mutations as HTTP POST /graphql.')];
        }
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue: connection.context };
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((error) => formatError(error.toJSON(), error)),
      onNext: (_ctx, _id, _payload, _args, result: ExecutionResult) =>
        result.errors ? { ...result, errors: result.errors.map((error) => formatError(error.toJSON(), error)) } : undefined,
    },
    wss,
    limits.pingIntervalMs,
  );

  return {
    size: () => wss.clients.size,
    drainPlugin: {
      async serverWillStart() {
        return {
          async drainServer() {
            stopping = true;
            offEvents();
            for (const connection of connections.values()) forget(connection);
            // Closes every socket with 1001 "Going away".
            await server.dispose();
          },
        };
      },
    },
  };
}
