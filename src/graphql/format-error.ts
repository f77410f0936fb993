// The one place where errors are masked, for both transports (GraphQL here,
// REST in src/rest/framework/executor.ts): our typed errors and GraphQL's own
// request errors pass through; a database outage becomes SERVICE_UNAVAILABLE
// and anything else INTERNAL_SERVER_ERROR, both logged, so no stack trace, SQL
// or secret reaches a client.
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { AppError } from '../common/errors.js';

/** An unexpected error is one we did not throw on purpose. */
export function isExpected(error: unknown): boolean {
  if (error instanceof AppError) return true;
  // GraphQL's own errors (parse, validation, variable coercion) have no original error.
  return error instanceof GraphQLError && !error.originalError;
}

/** Database outages read as SERVICE_UNAVAILABLE rather than a generic failure (checked along the cause chain). */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  const e = error as { code?: string; kind?: string; name?: string; message?: string; cause?: unknown } | null;
  if (!e || depth > 5) return false;
  // P2028: an interactive transaction that could not start or expired within its bound (DATABASE_*_TIMEOUT_MS).
  if (['P1001', 'P1002', 'P1017', 'P2024', 'P2028'].includes(e.code ?? '')) return true;
  // 57014: statement_timeout; 25P03: idle_in_transaction_session_timeout.
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', '57P01', '57P03', '57014', '25P03', '08001', '08003', '08006'].includes(e.code ?? '')) return true;
  if (['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout'].includes(e.kind ?? '')) return true;
  if (
    /DatabaseNotReachable|Connection terminated|Server has closed the connection|connect ECONNREFUSED|timeout exceeded when trying to connect|Connection closed|Query read timeout|canceling statement due to statement timeout|Transaction already closed|Unable to start a transaction in the given time/i.test(
      e.message ?? '',
    )
  )
    return true;
  return isDatabaseUnavailable(e.cause, depth + 1);
}

/** What a client hears of a database outage, on every transport. */
export const UNAVAILABLE_MESSAGE = 'The service is temporarily unavailable; try again shortly.';
/** Seconds a client is told to wait after an outage (`Retry-After`). */
export const UNAVAILABLE_RETRY_AFTER = 5;

/** The client's view of an unexpected error. */
export interface MaskedError {
  code: 'SERVICE_UNAVAILABLE' | 'INTERNAL_SERVER_ERROR';
  message: string;
  /** Set for SERVICE_UNAVAILABLE. */
  retryAfter?: number;
}

/**
 * Masks an error `isExpected` rejects: logs it (with `where`, the transport,
 * and `details`) and returns the code and message a client may see.
 */
export function maskUnexpected(error: unknown, logger: Logger, where: string, details: Record<string, unknown> = {}): MaskedError {
  if (isDatabaseUnavailable(error)) {
    logger.error({ err: error }, 'database unavailable');
    return { code: 'SERVICE_UNAVAILABLE', message: UNAVAILABLE_MESSAGE, retryAfter: UNAVAILABLE_RETRY_AFTER };
  }
  logger.error({ err: error, ...details }, `unexpected error in ${where}`);
  return { code: 'INTERNAL_SERVER_ERROR', message: 'Internal server error.' };
}

export function createFormatError(logger: Logger, exposeStack: boolean) {
  return (formatted: GraphQLFormattedError, raw: unknown): GraphQLFormattedError => {
    const error = unwrapResolverError(raw);
    // Request-level errors (parse, validation, variable coercion) carry no path.
    if (isExpected(error) || isExpected(raw) || (!formatted.path && raw instanceof GraphQLError)) {
      if (exposeStack) return formatted;
      const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
      return { ...formatted, extensions };
    }
    const { code, message } = maskUnexpected(error, logger, 'GraphQL operation', { path: formatted.path });
    const stacktrace = code === 'INTERNAL_SERVER_ERROR' && exposeStack && error instanceof Error ? { stacktrace: error.stack?.split('\n') } : {};
    return { message, path: formatted.path, extensions: { code, ...stacktrace } };
  };
}
