// A real, certified OpenID Provider for the tests: panva's oidc-provider on a
// loopback port, in a process of its own (it is ESM-only; the tests run as
// CommonJS), with its development login and consent pages. Reads
// {clients} as JSON from argv[2] and prints {"issuer","port"} once listening.
// Beside the provider it serves two test-only routes:
//   POST /test/accounts {sub, claims}: what findAccount answers for that sub;
//   POST /test/forge {aud, nonce, sub}: an ID token with this issuer's kid and
//     claims, signed by a key the provider does not publish (a forgery).
import http from 'node:http';
import Provider from 'oidc-provider';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';

const { clients } = JSON.parse(process.argv[2]);
const accounts = new Map();

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const port = server.address().port;
const issuer = `http://127.0.0.1:${port}`;

const signing = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(signing.privateKey)), kid: 'op-key-1', alg: 'RS256', use: 'sig' };
const forger = await generateKeyPair('RS256');

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['given_name', 'family_name', 'picture'] },
  // Scope claims in the ID token itself, as Google, Microsoft and Keycloak put them.
  conformIdTokenClaims: false,
  findAccount: async (_ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, ...(accounts.get(id) ?? {}) }),
  }),
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  ttl: { AuthorizationCode: 60, IdToken: 300, AccessToken: 300, Interaction: 600, Session: 600, Grant: 600 },
});
provider.on('server_error', (_ctx, error) => process.stderr.write(`oidc-provider server_error: ${error.stack}\n`));
const handle = provider.callback();

async function body(req) {
  let text = '';
  for await (const chunk of req) text += chunk;
  return JSON.parse(text || '{}');
}

server.on('request', async (req, res) => {
  if (req.method === 'POST' && req.url === '/test/accounts') {
    const { sub, claims } = await body(req);
    accounts.set(sub, claims);
    res.writeHead(204).end();
    return;
  }
  if (req.method === 'POST' && req.url === '/test/forge') {
    const { aud, nonce, sub } = await body(req);
    const token = await new SignJWT({ nonce, ...(accounts.get(sub) ?? {}) })
      .setProtectedHeader({ alg: 'RS256', kid: jwk.kid })
      .setIssuer(issuer)
      .setAudience(aud)
      .setSubject(sub)
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(forger.privateKey);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ idToken: token }));
    return;
  }
  handle(req, res);
});

process.stdout.write(`${JSON.stringify({ issuer, port })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
