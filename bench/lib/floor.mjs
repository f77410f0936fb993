// Layer floors for the `me` row (BENCH_FLOORS=1): the least a Node server can
// spend on the same request, measured in the same rotation as the gateway, so
// the gap to PostGraphile can be attributed layer by layer.
//
// FLOOR=http  node:http, reads and JSON-parses the body, answers the same
//             bytes the gateway answers for `me` (built once at start-up).
// FLOOR=sql   the same, plus the gateway's own prepared statement for `me`
//             (src/db/prepared-reads.ts: the user with profile and roles as
//             JSON built in PostgreSQL) on a pg pool, for the user named by
//             the bearer token's `sub` (read, not verified), and the answer
//             built from its row and serialised per request.
//
// Everything the gateway spends above the `sql` floor is its GraphQL layer
// (Apollo's pipeline, graphql-js, type-graphql), authentication (token and
// session checks), its HTTP middleware and the context; the CPU profile of
// the gateway (BENCH_UG_NODE_ARGS, profile-summary.mjs) divides that part.
import http from 'node:http';
import pg from 'pg';
import { userStatement } from '../../dist/db/prepared-reads.js';

const mode = process.env.FLOOR;
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
// The gateway's own statement (built by dist/, so the floor cannot drift from it).
const ME = userStatement({ profile: true, roles: true });

async function me(userId) {
  const { rows } = await pool.query({ ...ME, values: [userId] });
  const { u, profile, roles } = rows[0].entry;
  return {
    data: {
      me: {
        id: String(u.id),
        email: u.email,
        username: u.username,
        profile: profile ? { firstName: profile.first_name, lastName: profile.last_name } : null,
        roles: roles.map((r) => ({ name: r.name })),
      },
    },
  };
}

function subOf(authorization) {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
  const payload = token?.split('.')[1];
  return payload ? Number(JSON.parse(Buffer.from(payload, 'base64url').toString()).sub) : NaN;
}

const canned = new Map();
const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString());
    const userId = subOf(req.headers.authorization);
    const answer = mode === 'http' && canned.has(userId) ? Promise.resolve(canned.get(userId)) : me(userId).then((a) => JSON.stringify(a));
    answer.then(
      (body) => {
        if (mode === 'http') canned.set(userId, body);
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
      },
      (error) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: String(error) }] })),
    );
  });
});
server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
