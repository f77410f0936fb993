// docker-compose.yml cannot be run here (no Docker engine), so its structure is
// checked instead: PostgreSQL with a health check, and the gateway wired to it
// with only environment variables that src/config.ts actually reads.
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
  healthcheck?: { test: string | string[] };
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
    const test = Array.isArray(postgres.healthcheck?.test) ? postgres.healthcheck!.test.join(' ') : postgres.healthcheck?.test;
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

  it('installs (dev dependencies included, since it builds) and starts', () => {
    expect(gateway.command).toBe('sh -c "npm ci --include=dev && npm start"');
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

  it('starts only once postgres is healthy', () => {
    expect(gateway.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });
});

it('reads the environment names from src/config.ts', () => {
  expect(configEnvNames()).toEqual(expect.arrayContaining(['DATABASE_URL', 'JWT_SECRET', 'NODE_ENV', 'PORT', 'BODY_LIMIT']));
});
