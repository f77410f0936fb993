// A verifier no one here wrote: jose's createRemoteJWKSet against the
// gateway's /.well-known/jwks.json, in a process of its own as another service
// would run it (jose is ESM-only; the tests run as CommonJS). Reads
// {jwksUrl, issuer, audience, algorithms, tokens} on stdin and prints one
// result per token: {ok, header, payload} or {ok: false, code}.
import { createRemoteJWKSet, jwtVerify } from 'jose';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { jwksUrl, issuer, audience, algorithms, tokens } = JSON.parse(input);
const jwks = createRemoteJWKSet(new URL(jwksUrl));
const results = [];
for (const token of tokens) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, jwks, { issuer, audience, algorithms });
    results.push({ ok: true, header: protectedHeader, payload });
  } catch (error) {
    results.push({ ok: false, code: error.code ?? error.message });
  }
}
process.stdout.write(JSON.stringify(results));
