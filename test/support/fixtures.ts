// Small steps many tests share: sign up a user, sign in, sign in as the admin.
import crypto from 'node:crypto';
import { LoginDocument, RegisterDocument, type AuthFieldsFragment } from '../__generated__/graphql';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type GraphQLResponse, type TestServer } from './server';

export const PASSWORD = 'correct-horse-1';

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${crypto.randomBytes(4).toString('hex')}@example.com`;
}

/** Six random hex characters, to keep names (usernames, role names) unique across tests. */
export function uniqueTag(): string {
  return crypto.randomBytes(3).toString('hex');
}

export interface Registration {
  email?: string;
  username?: string;
  password?: string;
  /** Request headers (e.g. accept-language, which picks the confirmation mail's language). */
  headers?: Record<string, string>;
}

/** Registers a user (a fresh email and PASSWORD unless given), asserting it worked; returns their email and id. */
export async function registerUser(server: TestServer, registration: Registration = {}): Promise<{ email: string; id: string }> {
  const email = registration.email ?? uniqueEmail();
  const input = { email, password: registration.password ?? PASSWORD, username: registration.username };
  const { register } = dataOf(await server.gql(RegisterDocument, { input }, { headers: registration.headers }));
  return { email, id: register.id };
}

/** Registers a user and signs them in; returns their session. */
export async function signUp(server: TestServer, overrides: Omit<Registration, 'headers'> = {}): Promise<AuthFieldsFragment> {
  const { email } = await registerUser(server, overrides);
  return signIn(server, email, overrides.password ?? PASSWORD);
}

export async function signIn(server: TestServer, identifier: string, password: string): Promise<AuthFieldsFragment> {
  return dataOf(await server.gql(LoginDocument, { identifier, password })).login;
}

export function signInAsAdmin(server: TestServer): Promise<AuthFieldsFragment> {
  return signIn(server, ADMIN_EMAIL, ADMIN_PASSWORD);
}

/** The single error of a response, asserting there is exactly one. */
export function onlyError<T>(response: GraphQLResponse<T>) {
  expect(response.errors).toHaveLength(1);
  return response.errors![0];
}

export function expectCode<T>(response: GraphQLResponse<T>, code: string): void {
  expect(onlyError(response).extensions?.code).toBe(code);
}

/** Asserts the response's single error has this code and message (and, when given, exactly these field errors). */
export function expectError<T>(response: GraphQLResponse<T>, code: string, message: string, fields?: Array<{ field: string; message: string }>): void {
  const error = onlyError(response);
  expect({ code: error.extensions?.code, message: error.message }).toEqual({ code, message });
  if (fields) expect(error.extensions?.fields).toEqual(fields);
}

/** The data of a response (or a raw GraphQL body), asserting it has no errors: typed, instead of `result.data!`. */
export function dataOf<T>(response: { data?: T | null; errors?: unknown }): T {
  expect(response.errors).toBeUndefined();
  expect(response.data).toBeDefined();
  return response.data!;
}

/** Waits `ms` milliseconds (throttle windows, lock expiry; never a timing assertion). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
