// The layers of a request, for splitting a profile's CPU (profile-summary.mjs
// reads V8's --cpu-prof, perf-layers.mjs reads Linux perf): each sample's code
// belongs to a package, a directory of the gateway's dist/, or a Node module,
// and those group into the layers below (first match wins).

/** Package under node_modules, `usergraph <dir>` for the gateway's own code, or the Node module; `(name)` for V8's entries without a URL. */
export function sourceOf(url, functionName) {
  if (!url) return `(${functionName || 'native'})`.replace('((', '(').replace('))', ')');
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/dist\/(.+)\/[^/]+\.js$/.exec(url) ?? /\/dist\/([^/]+)\.js$/.exec(url);
  if (own) return `usergraph ${own[1]}`;
  return url;
}

export const LAYERS = [
  ['socket writes (writev syscall)', (n) => n === '(writev)'],
  // Kernel and native entries that only Linux perf sees (perf-layers.mjs).
  ['socket reads (read syscall)', (n) => n === '(socket read)'],
  ['event loop (epoll, libuv)', (n) => n === '(epoll)' || n === '(libuv)'],
  ['kernel: page faults, scheduling, futex, pipes', (n) => /^\((kernel|futex|pipe write)/.test(n)],
  ['profiler overhead (perf map file)', (n) => n === '(file write: perf map)'],
  ['native code (node, V8, libc)', (n) => n === '(native: node, V8, libc)'],
  ['garbage collection', (n) => n === '(garbage collector)'],
  ['body reading and parsing', (n, u) => /body-parser|raw-body|type-is|iconv-lite|content-type|whatwg-mimetype|media-typer|dist\/http\/graphql-body/.test(u)],
  ['Apollo Server pipeline', (n, u) => /@apollo\/|negotiator|node:internal\/crypto\/hash/.test(u)],
  [
    'GraphQL execution (graphql-js, type-graphql, resolvers)',
    (n, u) => /node_modules\/graphql\/|type-graphql|class-validator|dist\/graphql\/|dist\/modules\//.test(u),
  ],
  ['authentication (token, session cache)', (n, u) => /dist\/auth\/|jsonwebtoken|jws|node:internal\/crypto\/(sig|keys)/.test(u)],
  ['data (pg, prepared statements, Prisma)', (n, u) => /node_modules\/pg|pg-protocol|pg-pool|pg-types|postgres-|@prisma\/|dist\/db\/|wasm:/.test(u)],
  [
    'our HTTP layer (lean path, ids, headers, CORS, metrics, Express prototypes)',
    (n, u) =>
      /dist\/http\/|dist\/server\.js|express|prom-client|pino|@pinojs|node:internal\/crypto\/random|cors|vary|on-finished|send|etag|fresh|range-parser/.test(u),
  ],
  [
    'Node HTTP server and streams',
    (n, u) => /node:_http|node:net|node:internal\/streams|node:internal\/stream_base|node:events|node:buffer|node:internal\/http|node:stream/.test(u),
  ],
  [
    'promises, ticks and timers',
    (n, u) => n === '(runMicrotasks)' || /task_queues|process\/promises|node:internal\/timers|node:timers|priority_queue|async_hooks|fixed_queue/.test(u),
  ],
];

/** The layer of code from `url` whose source (sourceOf) is `name`. */
export function layerOf(name, url = '') {
  return LAYERS.find(([, test]) => test(name, url))?.[0] ?? 'other (V8 program, module loading, ...)';
}
