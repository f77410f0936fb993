// docker-compose.yml cannot be run here (no Docker engine), so its structure is
// checked instead: PostgreSQL with a health check, and the gateway wired to it
// with only environment variables that src/config.ts actually reads, waiting
// for it, health-checked, restarted, and installed with an npm that honours
// the project's install-script review.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { configEnvNames, repoRoot } from './support/config-env';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  working_dir?: string;
  environment?: Record<string, string> | string[];
  volumes?: string[];
  ports?: string[];
  restart?: string;
  healthcheck?: { test: string | string[]; interval?: string; timeout?: string; retries?: number; start_period?: string };
  depends_on?: Record<string, { condition: string }> | string[];
}

const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const { postgres, gateway } = compose.services;

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]));
}

it('defines exactly the postgres and gateway services', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'postgres']);
});

describe('postgres', () => {
  it('runs postgres:16-alpine', () => {
    expect(postgres.image).toBe('postgres:16-alpine');
  });

  it('has a pg_isready health check', () => {
    const test = Array.isArray(postgres.healthcheck?.test) ? postgres.healthcheck.test.join(' ') : postgres.healthcheck?.test;
    expect(test).toMatch(/pg_isready/);
  });

  it('keeps its data in a named volume declared at the top level', () => {
    const dataVolume = postgres.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataVolume).toBeDefined();
    const name = dataVolume!.split(':')[0];
    expect(name).toMatch(/^[a-z][\w-]*$/); // a name, not a host path
    expect(compose.volumes).toHaveProperty(name);
  });

  it('sets a password (the image refuses to start without one)', () => {
    expect(environment(postgres).POSTGRES_PASSWORD).toBeTruthy();
  });
});

describe('gateway', () => {
  const env = environment(gateway);

  it('runs this checkout in the official Node 20 image', () => {
    expect(gateway.image).toBe('node:20');
    expect(gateway.build).toBeUndefined();
    expect(gateway.working_dir).toBe('/app');
    expect(gateway.volumes).toContain('.:/app');
  });

  it('installs (dev dependencies included, since it builds) with npm 11.19.1 or later, and starts', () => {
    const match = /^sh -c "npx --yes npm@(\d+)\.(\d+)\.(\d+) ci --include=dev --no-audit --no-fund && exec npm start"$/.exec(String(gateway.command));
    expect(match).not.toBeNull();
    // The image's npm 10 ignores allowScripts and runs every install script; the
    // review in package.json is made with npm 11.19.1 (npm install-scripts ls).
    const [major, minor] = match!.slice(1).map(Number);
    expect(major > 11 || (major === 11 && minor >= 19)).toBe(true);
    expect(String(gateway.command)).not.toMatch(/--ignore-scripts|--allow-scripts|--foreground-scripts/);
  });

  it('honours a reviewed install-script list (package.json allowScripts, approvals and denials)', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };
    expect(Object.keys(pkg.allowScripts ?? {}).length).toBeGreaterThan(0);
    expect(Object.values(pkg.allowScripts!).some((allowed) => allowed === false)).toBe(true);
  });

  it('restarts after a crash or a reboot, as PostgreSQL does', () => {
    expect(gateway.restart).toBe('unless-stopped');
    expect(postgres.restart).toBe('unless-stopped');
  });

  it('has a health check on /readyz at the port it listens on, with a start period for the first install and build', () => {
    const test = gateway.healthcheck?.test;
    expect(Array.isArray(test)).toBe(true);
    expect((test as string[])[0]).toBe('CMD');
    // Runs with the image's own node (the image has no guarantee of curl or wget).
    expect((test as string[]).slice(1, 3)).toEqual(['node', '-e']);
    expect((test as string[])[3]).toContain("fetch('http://127.0.0.1:4000/readyz')");
    expect((test as string[])[3]).toMatch(/process\.exit\(r\.ok \? 0 : 1\)/);
    expect(gateway.healthcheck).toMatchObject({
      interval: expect.stringMatching(/^\d+s$/),
      timeout: expect.stringMatching(/^\d+s$/),
      retries: expect.any(Number),
    });
    expect(Number.parseInt(gateway.healthcheck!.start_period!, 10)).toBeGreaterThanOrEqual(300);
  });

  it('points DATABASE_URL at the postgres service with its credentials', () => {
    const url = new URL(env.DATABASE_URL);
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    const pg = environment(postgres);
    expect(url.username).toBe(pg.POSTGRES_USER);
    expect(url.password).toBe(pg.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg.POSTGRES_DB}`);
  });

  it('requires JWT_SECRET from the environment and runs in production', () => {
    expect(env.JWT_SECRET).toMatch(/^\$\{JWT_SECRET:\?[^}]+\}$/);
    expect(env.NODE_ENV).toBe('production');
  });

  it('sets only variables that src/config.ts reads', () => {
    const known = configEnvNames();
    expect(Object.keys(env).filter((name) => !known.includes(name))).toEqual([]);
  });

  it('publishes port 4000, the port it listens on', () => {
    expect(gateway.ports).toEqual(['4000:4000']);
    expect(env.PORT ?? '4000').toBe('4000');
  });

  it('starts only once postgres is healthy, and retries its first connection for a bounded time', () => {
    expect(gateway.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    // The retry itself is tested in test/database-startup.test.ts; here: not turned off.
    expect(env.DATABASE_STARTUP_TIMEOUT ?? '60').not.toBe('0');
    expect(configEnvNames()).toContain('DATABASE_STARTUP_TIMEOUT');
  });
});

it('reads the environment names from src/config.ts', () => {
  expect(configEnvNames()).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'NODE_ENV', 'PORT', 'BODY_LIMIT']));
});
