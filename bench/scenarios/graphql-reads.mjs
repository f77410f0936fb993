// `me` with profile and roles, and the admin users page of 50, each against
// PostGraphile's equivalent query on the same rows.
const ME = `query Me { me { id email username profile { firstName lastName } roles { name } } }`;
const PEER_ME = `query Me($id: Int!) { userById(id: $id) { id email username
  profilesByUserId { nodes { firstName lastName } }
  userRolesByUserId { nodes { roleByRoleId { name } } } } }`;
const PAGE = `query Page { users(page: 1, pageSize: 50) { total items { id email username profile { firstName lastName } roles { name } } } }`;
const PEER_PAGE = `query Page { allUsers(first: 50, orderBy: ID_ASC) { totalCount nodes { id email username
  profilesByUserId { nodes { firstName lastName } }
  userRolesByUserId { nodes { roleByRoleId { name } } } } } }`;

async function compare(b, { id, title, ours, peer, token, target, maxStatements }) {
  const body = (q, variables = {}) => JSON.stringify({ query: q, variables });
  const oursJob = { url: b.ug.url, headers: { authorization: `Bearer ${token}` }, bodies: [body(ours)] };
  const peerJob = { url: b.peer.url, bodies: [body(peer, { id: b.userId })] };
  // Same answers first, so the comparison is of equivalent work.
  await b.check(b.ug.url, ours, {}, token);
  await b.check(b.peer.url, peer, { id: b.userId });
  const ourCount = await b.counter.perRequest(b.countRequests, () => b.check(b.count.ug, ours, {}, token));
  const peerCount = await b.counter.perRequest(b.countRequests, () => b.check(b.count.peer, peer, { id: b.userId }));
  const oursResult = await b.measure(oursJob, { cpuPid: b.ug.child.pid });
  const peerResult = await b.measure(peerJob, { cpuPid: b.peer.child.pid });
  const ratio = oursResult.rps / peerResult.rps;
  const statementsOk = maxStatements === undefined || ourCount.statements <= maxStatements;
  return {
    id,
    scenario: title,
    rps: oursResult.rps,
    p50: oursResult.p50,
    p99: oursResult.p99,
    peer: `PostGraphile ${peerResult.rps.toFixed(0)} req/s`,
    peerResult,
    ratio,
    cpuMsPerRequest: oursResult.cpuMsPerRequest,
    peerCpuMsPerRequest: peerResult.cpuMsPerRequest,
    target: `>= ${target}x${maxStatements !== undefined ? `, <= ${maxStatements} SQL/req` : ''}`,
    met: ratio >= target && statementsOk,
    statements: ourCount.statements,
    statementsAll: ourCount.all,
    peerStatements: peerCount.statements,
    peerStatementsAll: peerCount.all,
  };
}

export default {
  id: 'graphql-reads',
  available: () => true,
  async run(b) {
    return [
      await compare(b, { id: 'me', title: 'me + profile + roles', ours: ME, peer: PEER_ME, token: b.tokens.user, target: 1.2 }),
      await compare(b, {
        id: 'users-page',
        title: 'admin users page of 50',
        ours: PAGE,
        peer: PEER_PAGE,
        token: b.tokens.admin,
        target: 1.0,
        maxStatements: 3,
      }),
    ];
  },
};
