// HTTP details of GraphQL answers: 503 with Retry-After when the database is
// unreachable, and Retry-After beside RATE_LIMITED errors.
import type { ApolloServerPlugin } from '@apollo/server';
import type { Context } from './context.js';
import { UNAVAILABLE_RETRY_AFTER } from './format-error.js';

export function httpStatusPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          // The formatted errors, as the client will see them.
          const errors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = errors.map((e) => e.extensions?.code);
          if (codes.includes('SERVICE_UNAVAILABLE')) {
            response.http.status = 503;
            response.http.headers.set('retry-after', String(UNAVAILABLE_RETRY_AFTER));
          }
          const retryAfter = Math.max(0, ...errors.map((e) => Number(e.extensions?.retryAfter) || 0));
          if (retryAfter > 0) response.http.headers.set('retry-after', String(retryAfter));
        },
      };
    },
  };
}
