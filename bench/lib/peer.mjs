// The peer: PostGraphile v4 (library API) in its own process, against the
// same database. Started by bench/run.mjs with DATABASE_URL and PORT; prints
// "ready <port>" once it listens.
import http from 'node:http';
import path from 'node:path';
import Module, { createRequire } from 'node:module';

// postgraphile and graphile-build-pg are installed with two separate copies
// of graphql 15 (the project's own graphql is 16); a schema built with one
// copy cannot run on the other. Every `graphql` import of the peer resolves
// to postgraphile's copy.
const postgraphileFile = createRequire(import.meta.url).resolve('postgraphile/package.json');
const postgraphileParent = { id: postgraphileFile, filename: postgraphileFile, paths: Module._nodeModulePaths(path.dirname(postgraphileFile)) };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  const graphql = request === 'graphql' || request.startsWith('graphql/');
  return resolveFilename.call(this, request, graphql ? postgraphileParent : parent, ...rest);
};
const { postgraphile } = await import('postgraphile');

const databaseUrl = process.env.DATABASE_URL;
const port = Number(process.env.PORT ?? 0);
const middleware = postgraphile(databaseUrl, 'public', {
  // Production-like settings: no GraphiQL, no query logging, no watch mode.
  graphiql: false,
  disableQueryLog: true,
  watchPg: false,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  extendedErrors: [],
  showErrorStack: false,
  enableQueryBatching: false,
  bodySizeLimit: '1MB',
});
const server = http.createServer(middleware);
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`ready ${server.address().port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
