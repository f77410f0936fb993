// Runs test/support/jose-verifier.mjs: tokens checked by jose against a
// server's published keys, as a service behind the gateway would check them.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { TestServer } from './server';

export type JoseResult = { ok: true; header: Record<string, unknown>; payload: Record<string, unknown> } | { ok: false; code: string };

export function verifyWithJose(server: Pick<TestServer, 'url'>, tokens: string[], algorithms = ['ES256', 'RS256', 'EdDSA']): Promise<JoseResult[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [path.join(__dirname, 'jose-verifier.mjs')], { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`jose verifier failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout) as JoseResult[]);
    });
    child.stdin!.end(JSON.stringify({ jwksUrl: `${server.url}/.well-known/jwks.json`, issuer: 'usergraph', audience: 'usergraph', algorithms, tokens }));
  });
}
