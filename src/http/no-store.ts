// `Cache-Control: no-store` on GraphQL answers, as Apollo's cache-control
// plugin sets it when no field gives a cache hint (none does here). That
// plugin is disabled (src/server.ts) because, to compute hints nobody sets,
// it wraps every resolver of every request; this keeps only its header, with
// its rule: an existing header it could not parse is left alone.
import type { ApolloServerPlugin, BaseContext } from '@apollo/server';

const PARSABLE = /^max-age=(\d+), (public|private)$/;

export function noStorePlugin<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  const hooks = {
    async willSendResponse({ response }: { response: { http: { headers: Map<string, string> } } }) {
      const existing = response.http.headers.get('cache-control');
      if (existing && existing !== 'no-store' && !PARSABLE.test(existing)) return;
      response.http.headers.set('cache-control', 'no-store');
    },
  };
  return { requestDidStart: async () => hooks };
}
