// Reads the gateway's /metrics: how many SQL statements a request cost.
import type { TestServer } from './server';

/** `usergraph_db_statements_total` of the server so far. */
export async function statementsSoFar(server: Pick<TestServer, 'url'>): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text();
  const match = /^usergraph_db_statements_total (\d+)$/m.exec(text);
  if (!match) throw new Error(`no usergraph_db_statements_total in /metrics:\n${text.slice(0, 500)}`);
  return Number(match[1]);
}

/** SQL statements the server ran during `action`, less what reading /metrics itself costs. */
export async function statementsDuring(server: Pick<TestServer, 'url'>, action: () => Promise<unknown>): Promise<number> {
  const idleStart = await statementsSoFar(server);
  const before = await statementsSoFar(server);
  const scrape = before - idleStart;
  await action();
  return (await statementsSoFar(server)) - before - scrape;
}
