// Starts the real gateway (`node dist/main.js`) on an ephemeral port with a
// fresh database: a temporary PGlite directory by default, or a new
// PostgreSQL database on TEST_DATABASE_URL, dropped again on stop.
import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { Client } from 'pg';

export const ADMIN_EMAIL = 'admin@usergraph.test';
export const ADMIN_PASSWORD = 'admin-password-1';
const root = path.resolve(__dirname, '../..');
/** One per test file, so replicas started by one file can read each other's signing keys. */
const KEY_ENCRYPTION_KEY = crypto.randomBytes(32).toString('hex');

export interface GraphQLResponse<T> {
  status: number;
  headers: Headers;
  data: T | null | undefined;
  errors?: Array<{
    message: string;
    path?: string[];
    extensions?: { code?: string; fields?: Array<{ field: string; message: string }>; [k: string]: unknown };
  }>;
}

export interface RequestOptions {
  token?: string | null;
  headers?: Record<string, string>;
}

export interface TestServer {
  url: string;
  dataDir: string;
  databaseUrl: string | null;
  /** Everything the process wrote to stdout and stderr so far. */
  logs(): string;
  gql<R, V>(document: TypedDocumentNode<R, V>, variables?: V, options?: RequestOptions): Promise<GraphQLResponse<R>>;
  /** Raw POST of any body to /graphql (for malformed requests). */
  post(pathname: string, body: string, headers?: Record<string, string>): Promise<Response>;
  /** Mail files written under DATA_DIR/mail, oldest first, optionally only those to one address. */
  mails(to?: string): Promise<string[]>;
  /**
   * The newest mail to `to` whose text contains `including`, waiting up to 5 s
   * for it: some mails (password reset) are sent after the answer.
   */
  waitForMail(to: string, including: string): Promise<string>;
  /**
   * Stops the process (SIGTERM, or SIGKILL to simulate a crash). With `keepData`
   * the data directory and database stay, for another server to reuse them.
   */
  stop(options?: StopOptions): Promise<void>;
  /** How the process ended (`code` null when a signal killed it); undefined while it runs. */
  /** The gateway's process id (to stop or pause it from a test). */
  pid(): number;
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

export interface StopOptions {
  keepData?: boolean;
  signal?: 'SIGTERM' | 'SIGINT' | 'SIGKILL';
}

export interface StartOptions {
  /** Rewrites the PostgreSQL URL the gateway is given (e.g. to go through a proxy); the test database is still created and dropped. */
  rewriteDatabaseUrl?: (url: string) => string;
  /** Reuse the data directory (and database) of a server stopped with `keepData`. */
  reuse?: Pick<TestServer, 'dataDir' | 'databaseUrl'>;
}

async function createDatabase(baseUrl: string): Promise<string> {
  const name = `usergraph_test_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(baseUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new Client({ connectionString: baseUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function waitForListening(child: ChildProcess, output: () => string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const onData = () => {
      for (const line of output().split('\n')) {
        if (!line.includes('usergraph listening')) continue;
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(JSON.parse(line).port);
        return;
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before listening:\n${output()}`));
    });
  });
}

export async function startTestServer(env: Record<string, string> = {}, options: StartOptions = {}): Promise<TestServer> {
  const dataDir = options.reuse?.dataDir ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'usergraph-test-')));
  const baseUrl = process.env.TEST_DATABASE_URL || null;
  const databaseUrl = options.reuse ? options.reuse.databaseUrl : baseUrl ? await createDatabase(baseUrl) : null;
  const gatewayDatabaseUrl = databaseUrl && options.rewriteDatabaseUrl ? options.rewriteDatabaseUrl(databaseUrl) : databaseUrl;
  let output = '';
  const child = spawn(process.execPath, [path.join(root, 'dist/main.js')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      HOST: '127.0.0.1',
      PORT: '0',
      DATA_DIR: dataDir,
      JWT_SECRET: crypto.randomBytes(32).toString('hex'),
      KEY_ENCRYPTION_KEY,
      BCRYPT_COST: '4',
      // Suites register many users from one address; test/account-security.test.ts checks the default limit.
      REGISTRATIONS_PER_IP: '100000',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
      ...(gatewayDatabaseUrl ? { DATABASE_URL: gatewayDatabaseUrl } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let port: number;
  try {
    port = await waitForListening(child, () => output, 170_000);
  } catch (error) {
    child.kill('SIGKILL');
    if (baseUrl && databaseUrl && !options.reuse) await dropDatabase(baseUrl, databaseUrl).catch(() => {});
    throw error;
  }
  const url = `http://127.0.0.1:${port}`;

  const server: TestServer = {
    url,
    dataDir,
    databaseUrl,
    logs: () => output,
    pid: () => child.pid!,
    exitStatus: () => (child.exitCode === null && child.signalCode === null ? undefined : { code: child.exitCode, signal: child.signalCode }),
    async gql(document, variables, options = {}) {
      const response = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...options.headers,
        },
        body: JSON.stringify({ query: print(document), variables }),
      });
      const body = (await response.json()) as { data?: never; errors?: GraphQLResponse<never>['errors'] };
      return { status: response.status, headers: response.headers, data: body.data, errors: body.errors };
    },
    post(pathname, body, headers = { 'content-type': 'application/json' }) {
      return fetch(`${url}${pathname}`, { method: 'POST', headers, body });
    },
    async mails(to) {
      const dir = path.join(dataDir, 'mail');
      const files = (await fs.readdir(dir).catch(() => [] as string[])).sort();
      const contents = await Promise.all(files.map((f) => fs.readFile(path.join(dir, f), 'utf8')));
      return to ? contents.filter((m) => new RegExp(`^To: ${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'mi').test(m)) : contents;
    },
    async waitForMail(to, including) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const mail = (await server.mails(to)).reverse().find((m) => m.includes(including));
        if (mail) return mail;
        if (Date.now() > deadline) throw new Error(`no mail to ${to} containing ${JSON.stringify(including)} within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop({ keepData = false, signal = 'SIGTERM' }: StopOptions = {}) {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (keepData) return;
      if (baseUrl && databaseUrl) await dropDatabase(baseUrl, databaseUrl);
      await fs.rm(dataDir, { recursive: true, force: true });
    },
  };
  return server;
}

/** The token in a mail's text after `label:` (as the confirmation and reset mails write it). */
export function tokenFromMail(mail: string, label = 'token'): string {
  const unfolded = mail.replace(/=\r?\n/g, '');
  const match = new RegExp(`${label}: (\\S+)`).exec(unfolded);
  if (!match) throw new Error(`no ${label} in mail:\n${mail}`);
  return match[1];
}

/**
 * Runs `node dist/main.js` with exactly `env` (plus PATH, a fresh DATA_DIR, HOST and PORT 0) and waits for it to
 * exit, as a start-up that must fail does; killed after `timeoutMs` (default 150 s) if it never exits.
 */
export async function runUntilExit(env: Record<string, string>, { timeoutMs = 150_000 } = {}): Promise<{ code: number | null; stderr: string }> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'usergraph-test-'));
  try {
    const child = spawn(process.execPath, [path.join(root, 'dist/main.js')], {
      env: { PATH: process.env.PATH, DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    return { code, stderr };
  } finally {
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}
