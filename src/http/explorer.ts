// The schema explorers of the landing page. Apollo Sandbox (the default) is
// loaded from Apollo's CDN; GraphiQL is served from the installed npm
// packages (graphiql, react, react-dom), so it works offline and under
// helmet's strict CSP: every script is a file from this origin, none inline.
// The Sandbox page falls back to GraphiQL by itself when its CDN script
// cannot be loaded; GRAPHQL_EXPLORER=graphiql serves GraphiQL on /graphql
// directly (air-gapped installs).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import express, { type Router } from 'express';
import helmet from 'helmet';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';

/** Where GraphiQL is served. */
export const GRAPHIQL_PATH = '/graphiql';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/** The files GraphiQL's page loads, by the name it asks for: nothing else under the path is served. */
const ASSETS: Record<string, { file: string; type: string }> = {
  'react.production.min.js': { file: path.join(packageDir('react'), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.production.min.js': { file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.min.js': { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.min.css': { file: path.join(packageDir('graphiql'), 'graphiql.min.css'), type: 'text/css' },
};

/**
 * Starts GraphiQL against /graphql; a file of its own because the CSP allows
 * no inline script. Subscriptions go over WebSocket on the same path with the
 * graphql-ws client bundled in graphiql.min.js, which sends the Headers tab as
 * the connection_init payload (so `{ "Authorization": "Bearer …" }` there signs
 * the socket in too).
 */
const START_SCRIPT = `'use strict';
(function () {
  var url = new URL('/graphql', window.location.href);
  var subscriptionUrl = new URL(url.href);
  subscriptionUrl.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({ url: url.href, subscriptionUrl: subscriptionUrl.href, headers: { 'apollo-require-preflight': 'true' } });
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultEditorToolsVisibility: true, shouldPersistHeaders: false })
  );
})();
`;

export function graphiqlHtml(): string {
  const asset = (name: string) => `${GRAPHIQL_PATH}/assets/${name}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>usergraph: GraphiQL</title>
<link rel="stylesheet" href="${asset('graphiql.min.css')}">
<link rel="stylesheet" href="${asset('page.css')}">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="${asset('react.production.min.js')}"></script>
<script src="${asset('react-dom.production.min.js')}"></script>
<script src="${asset('graphiql.min.js')}"></script>
<script src="${asset('start.js')}"></script>
</body>
</html>
`;
}

const PAGE_CSS = 'html, body, #graphiql { height: 100%; margin: 0; }\n';

/**
 * GET /graphiql and its assets, read once at start-up. The page carries
 * helmet's default CSP even when the Sandbox landing page turns the global
 * CSP off, so GraphiQL is always checked against the strict policy.
 */
export function graphiqlRoutes(): Router {
  const files = new Map<string, { body: Buffer; type: string }>([
    ['start.js', { body: Buffer.from(START_SCRIPT), type: 'text/javascript' }],
    ['page.css', { body: Buffer.from(PAGE_CSS), type: 'text/css' }],
    ...Object.entries(ASSETS).map(([name, { file, type }]) => [name, { body: fs.readFileSync(file), type }] as const),
  ]);
  const html = graphiqlHtml();
  const router = express.Router();
  router.use(GRAPHIQL_PATH, helmet.contentSecurityPolicy());
  router.get(GRAPHIQL_PATH, (_req, res) => {
    res.type('html').setHeader('cache-control', 'no-cache');
    res.send(html);
  });
  router.get(`${GRAPHIQL_PATH}/assets/:name`, (req, res, next) => {
    const asset = files.get(req.params.name);
    if (!asset) return next();
    res.type(asset.type).setHeader('cache-control', 'public, max-age=3600');
    res.send(asset.body);
  });
  return router;
}

/**
 * The landing page of GET /graphql: Apollo Sandbox whose CDN script, when it
 * fails to load (offline, blocked), sends the browser to GraphiQL; or, with
 * GRAPHQL_EXPLORER=graphiql, GraphiQL itself.
 */
export function explorerLandingPage(explorer: 'sandbox' | 'graphiql'): ApolloServerPlugin {
  if (explorer === 'graphiql') {
    return { serverWillStart: async () => ({ renderLandingPage: async () => ({ html: graphiqlHtml() }) }) };
  }
  const sandbox = ApolloServerPluginLandingPageLocalDefault({ embed: true });
  return {
    async serverWillStart(service) {
      const listener = await sandbox.serverWillStart!(service);
      const render = listener?.renderLandingPage?.bind(listener);
      if (!render) return listener;
      return {
        ...listener,
        async renderLandingPage() {
          const page = await render();
          const html = typeof page.html === 'string' ? page.html : await page.html();
          return { html: withGraphiqlFallback(html) };
        },
      };
    },
  };
}

/**
 * Adds to Apollo's Sandbox page a link to GraphiQL and, right after the CDN
 * script, a check that switches to GraphiQL when that script did not load.
 * The page has its own CSP (scripts need its nonce; no inline handlers), so
 * the check is a script carrying the same nonce.
 */
export function withGraphiqlFallback(html: string): string {
  const cdnScript = /<script nonce="([^"]*)" src="https:\/\/embeddable-sandbox\.cdn\.apollographql\.com\/[^"]+"><\/script>/;
  if (!cdnScript.test(html)) throw new Error('Apollo Sandbox page changed: the CDN script tag was not found');
  return html
    .replace(
      cdnScript,
      (tag, nonce: string) => `${tag}\n<script nonce="${nonce}">if (!window.EmbeddedSandbox) window.location.replace('${GRAPHIQL_PATH}');</script>`,
    )
    .replace(
      /(it appears that you might be offline\.<\/p>)/,
      `$1\n  <p><a href="${GRAPHIQL_PATH}">Open GraphiQL</a>, served by this gateway without internet.</p>`,
    );
}
